import { evaluateLifecycleRules } from './evaluator';
import { LifecycleEvaluationResult, LifecycleImage } from './lifecycle-image';
import {
  LifecycleAction,
  LifecycleCountType,
  LifecycleRule,
  LifecycleStorageClass,
  TagStatus,
} from './lifecycle-rule';
import { parseLifecyclePolicyText } from './policy-text';
import {
  IMAGE_TAG_PATTERN,
  IMAGE_TAG_RULE,
  LIFECYCLE_MAX_RULES,
  LIFECYCLE_POLICY_MAX_CHARS,
  LIFECYCLE_POLICY_MIN_CHARS,
} from '../private/ecr-rules';
import {
  BlueprintValidationError,
  checkPattern,
  fail,
  isUnresolved,
  show,
  Violation,
  violationMessages,
  Where,
} from '../private/validate';
import { LIFECYCLE_POLICY, PROTECTED_TAG_TOKEN } from '../rules/lifecycle';
import { violation } from '../rules/rule';

/**
 * Properties of a `LifecyclePolicy`.
 */
export interface LifecyclePolicyProps {
  /**
   * The rules, in the order they should be evaluated when they carry no explicit priority.
   *
   * @default - no rules; add them with `addRule()`
   */
  readonly rules?: LifecycleRule[];
}

const MIN_POLICY_CHARS = LIFECYCLE_POLICY_MIN_CHARS;
const MAX_POLICY_CHARS = LIFECYCLE_POLICY_MAX_CHARS;
const MAX_RULES = LIFECYCLE_MAX_RULES;
/**
 * Count kept by a protection rule. A protection rule selects one exact tag, and a tag names at most
 * one image in a repository, so any count of one or more never fires; a large count keeps that true
 * even if several images were ever selected.
 */
const PROTECTION_COUNT = 1000;
/**
 * Days kept by the archive-class protection rule: 100 years, longer than any image can have been
 * archived (ECR's archive storage class appeared in 2025), so the rule never fires.
 */
const PROTECTION_ARCHIVE_DAYS = 36_500;

/** What a lifecycle policy computes from its rules and protected tags, for one version of them. */
interface PolicyMemo {
  readonly version: number;
  rules?: LifecycleRule[];
  violations?: Violation[];
  text?: string;
}

/**
 * An ordered set of ECR lifecycle rules that renders validated lifecycle policy text.
 *
 * Priorities: rules with an explicit `priority` keep it; the others are numbered in the order they
 * were added, after the explicit ones, with `any` rules last. Rules that protect deployed tags
 * (`protectTag()`) are evaluated before every other rule.
 *
 * Checks (each one an error that names the rule): unique priorities; within each storage class, at
 * most one `untagged` rule, at most one `any` rule and it is evaluated last, and no two rules with the
 * same tag list; at most 50 rules; policy text of 100-30,720 characters; and every per-rule check of
 * `LifecycleRule`.
 */
export class LifecyclePolicy {
  /**
   * Parses and validates existing ECR lifecycle policy text (for example the output of
   * `aws ecr get-lifecycle-policy`), so that it can be previewed with `evaluate()`.
   *
   * Every check of the builders applies, plus the JSON grammar of the policy text (required and
   * forbidden fields, `countUnit` days, `targetStorageClass` archive). Errors name the rule by its
   * index and priority, and the field. The rules keep their priorities.
   *
   * @param text the lifecycle policy text (JSON)
   */
  public static fromJson(text: string): LifecyclePolicy {
    const policy = new LifecyclePolicy({ rules: parseLifecyclePolicyText(text) });
    throwAll('LifecyclePolicy.fromJson', policy._violations());
    return policy;
  }

  private readonly _rules: LifecycleRule[] = [];
  private readonly _protected = new Map<string, string>();
  /** The construct this policy belongs to, once attached: from then on every addition is checked at once. */
  private _owner?: Where;
  /**
   * Incremented by every change to the rules or protected tags; the resolved rules, violations and
   * text are computed once per version (a deployed tag is protected once per consumer, and each
   * protection is checked against the whole policy).
   */
  private _version = 0;
  private _memo: PolicyMemo = { version: -1 };
  /** Protection rules by storage class, tag and reason: built (and checked) once each. */
  private readonly _protectionRules = new Map<string, LifecycleRule>();

  constructor(props: LifecyclePolicyProps = {}) {
    for (const rule of props.rules ?? []) this.addRule(rule);
  }

  /**
   * Adds a rule. A rule whose explicit priority is already taken is rejected here.
   */
  public addRule(rule: LifecycleRule): void {
    if (rule.priority !== undefined && !isUnresolved(rule.priority)) {
      const clash = this._rules.find(r => r.priority === rule.priority);
      if (clash) {
        fail(this._owner ?? 'LifecyclePolicy.addRule', 'priority', rule.priority,
          `priority ${rule.priority} is already used by rule "${clash.description ?? clash.tagStatus}"; rule priorities must be unique`);
      }
    }
    this._rules.push(rule);
    this._version++;
    if (this._owner) this.checkOrUndo(() => this._rules.pop());
  }

  /**
   * Attaches the policy to the construct that renders it: the policy is checked now, and every
   * later `addRule()` and `protectTag()` is checked when it is called, so that errors name the
   * construct and are raised from the caller's code (not from inside token resolution at synth).
   * @internal
   */
  public _attach(owner: Where): void {
    this._owner = owner;
    // A registry's repositories start from the same baseline rules: a sequence of rules found valid
    // (without protected tags) is valid again. Rules are immutable, so the objects name the sequence.
    if (this._protected.size === 0 && isKnownValid(this._rules)) return;
    throwAll(owner, this._violations());
    if (this._protected.size === 0) rememberValid(this._rules);
  }

  /** Throws the policy's first error at the owner after undoing the change that caused it. */
  private checkOrUndo(undo: () => void): void {
    const violations = this._violations();
    if (violations.length === 0) return;
    undo();
    this._version++;
    throwAll(this._owner!, violations);
  }

  /**
   * Guarantees that the image carrying `tag` is never expired or archived by this policy.
   *
   * ECR evaluates rules in priority order and, once an image matches the tag selection of a rule,
   * no lower-priority rule can act on it. A protection rule selects exactly `tag`, comes before
   * every other rule and only expires images beyond the newest 1000 that carry the tag: as a tag
   * names at most one image, it never fires. When the policy also has rules for archived images, a
   * second protection rule does the same in the archive storage class (it expires only images
   * archived more than 100 years ago).
   *
   * @param tag an exact image tag (no wildcards)
   * @param reason why the tag is protected, stored in the rule description
   */
  public protectTag(tag: string, reason?: string): void {
    const where = this._owner ?? 'LifecyclePolicy.protectTag';
    checkPattern(where, 'tag', tag, IMAGE_TAG_PATTERN, IMAGE_TAG_RULE);
    if (isUnresolved(tag)) {
      throw new BlueprintValidationError(where, 'tag', tag,
        'a protected tag must be known at synth time to be written into the lifecycle policy', PROTECTED_TAG_TOKEN.id);
    }
    const before = this._protected.get(tag);
    const after = reason ?? before ?? 'protected tag';
    // Protecting a protected tag again, with no new reason, changes nothing: nothing to check.
    if (after === before) return;
    this._protected.set(tag, after);
    this._version++;
    // A new reason for a protected tag cannot make the policy invalid: the reason is only in the
    // rule's generated description, and generated descriptions are left out when the text would
    // exceed ECR's limit. So only a newly protected tag is checked.
    if (this._owner && before === undefined) {
      this.checkOrUndo(() => this._protected.delete(tag));
    }
  }

  /** The rules added, in order, without assigned priorities. */
  public get rules(): LifecycleRule[] {
    return [...this._rules];
  }

  /** The tags protected with `protectTag()`, in the order they were protected. */
  public get protectedTags(): string[] {
    return [...this._protected.keys()];
  }

  /** True when the policy has no rules and protects no tag (ECR requires at least one rule). */
  public get isEmpty(): boolean {
    return this._rules.length === 0 && this._protected.size === 0;
  }

  /**
   * The rules as ECR will evaluate them: protection rules first, every rule with its final
   * priority, sorted by priority.
   */
  public resolvedRules(): LifecycleRule[] {
    const memo = this.memo();
    memo.rules ??= this.computeResolvedRules();
    return [...memo.rules];
  }

  /** The rule that protects `tag` in a storage class. */
  private protectionRule(storageClass: LifecycleStorageClass, tag: string, reason: string): LifecycleRule {
    const key = JSON.stringify([storageClass, tag, reason]);
    let rule = this._protectionRules.get(key);
    if (!rule) {
      rule = LifecycleRule._fromProps('LifecyclePolicy.protectTag', storageClass === LifecycleStorageClass.ARCHIVE ? {
        tagStatus: TagStatus.TAGGED,
        tagPatternList: [tag],
        storageClass: LifecycleStorageClass.ARCHIVE,
        countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED,
        countNumber: PROTECTION_ARCHIVE_DAYS,
        description: `Protect archived tag ${tag} (${bounded(reason)}): selecting it here stops lower-priority rules; this rule never fires`,
      } : {
        tagStatus: TagStatus.TAGGED,
        tagPatternList: [tag],
        countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN,
        countNumber: PROTECTION_COUNT,
        description: `Protect tag ${tag} (${bounded(reason)}): selecting it here stops lower-priority rules; this rule never fires`,
      }, true);
      this._protectionRules.set(key, rule);
    }
    return rule;
  }

  /** The current version's memo, emptied when the policy changed since it was filled. */
  private memo(): PolicyMemo {
    if (this._memo.version !== this._version) this._memo = { version: this._version };
    return this._memo;
  }

  /** The policy text with generated descriptions fitted to ECR's limit, for checking (not for tokens). */
  private fittedText(): string {
    const memo = this.memo();
    memo.text ??= render(fitted(this.resolvedRules(), JSON.stringify), JSON.stringify);
    return memo.text;
  }

  private computeResolvedRules(): LifecycleRule[] {
    const protections = [...this._protected.entries()].map(([tag, reason]) => this.protectionRule(LifecycleStorageClass.STANDARD, tag, reason));
    // A rule only selects images of its storage class, so archived images need their own protection
    // rule, and only when some rule could expire archived images.
    if (this._rules.some(r => r.storageClass === LifecycleStorageClass.ARCHIVE)) {
      protections.push(...[...this._protected.entries()].map(([tag, reason]) => this.protectionRule(LifecycleStorageClass.ARCHIVE, tag, reason)));
    }

    // A priority held in a token (a CfnParameter) is written as given and takes no part in the
    // arithmetic: the numbers around it are the known ones. ECR refuses the policy at deployment if
    // the parameter's value collides with another priority, so no protection is lost silently.
    const explicit = this._rules.filter(r => r.priority !== undefined);
    const known = explicit.filter(r => !isUnresolved(r.priority));
    const auto = this._rules.filter(r => r.priority === undefined);
    const used = new Set(known.map(r => r.priority!));
    const numbered: LifecycleRule[] = [...explicit];
    let next = Math.max(0, ...known.filter(r => r.tagStatus !== TagStatus.ANY).map(r => r.priority!)) + 1;
    const take = () => {
      while (used.has(next)) next++;
      used.add(next);
      return next;
    };
    for (const rule of auto.filter(r => r.tagStatus !== TagStatus.ANY)) numbered.push(rule.withPriority(take()));
    next = Math.max(0, ...used) + 1;
    for (const rule of auto.filter(r => r.tagStatus === TagStatus.ANY)) numbered.push(rule.withPriority(take()));

    // Protection rules take priorities 1..k; user priorities move up only when they start at or below k.
    const lowest = Math.min(Infinity, ...numbered.filter(r => !isUnresolved(r.priority)).map(r => r.priority!));
    const shift = protections.length > 0 && lowest <= protections.length ? protections.length - lowest + 1 : 0;
    const shifted = shift ? numbered.map(r => isUnresolved(r.priority) ? r : r.withPriority(r.priority! + shift)) : numbered;
    return [
      ...protections.map((r, i) => r.withPriority(i + 1)),
      ...shifted.sort((a, b) => order(a) - order(b)),
    ];
  }

  /**
   * The problems that make this policy unacceptable to ECR, as messages; empty when it is valid.
   *
   * @param where construct path or label to prefix each message with
   */
  public validate(where: string = 'LifecyclePolicy'): string[] {
    return violationMessages(where, this._violations());
  }

  /**
   * The problems of the policy as violations of ECRB-LIFECYCLE-POLICY; empty when it is valid.
   * @internal
   */
  public _violations(): Violation[] {
    const memo = this.memo();
    memo.violations ??= this.computeViolations();
    return [...memo.violations];
  }

  private computeViolations(): Violation[] {
    const errors: Violation[] = [];
    if (this.isEmpty) return errors;
    const rules = this.resolvedRules();
    const known = (r: LifecycleRule) => !isUnresolved(r.priority);
    if (rules.length > MAX_RULES) {
      const protections = rules.length - this._rules.length;
      errors.push(violation(LIFECYCLE_POLICY, 'rules', rules.length,
        `ECR accepts at most ${MAX_RULES} rules per lifecycle policy (${protections} of them protect deployed tags)`));
    }
    for (const storageClass of Object.values(LifecycleStorageClass)) {
      const inClass = rules.filter(r => r.storageClass === storageClass);
      const anyRules = inClass.filter(r => r.tagStatus === TagStatus.ANY);
      for (const anyRule of anyRules.filter(known)) {
        // ECR user guide (lifecycle policy properties): "A rule with a tagStatus value of any must have
        // the highest value for rulePriority and be evaluated last." The documented archive example has
        // one any rule per storage class, so the check is per storage class.
        const later = inClass.find(r => r !== anyRule && known(r) && r.priority! > anyRule.priority!);
        if (later) {
          errors.push(violation(LIFECYCLE_POLICY, 'priority', anyRule.priority,
            `the tagStatus any rule "${label(anyRule)}" must have a higher priority number than every other ${storageClass} rule, ` +
            `but "${label(later)}" has ${later.priority}; ` +
            (later.tagStatus === TagStatus.ANY
              ? 'a storage class can have only one any rule (it selects every image, so no later rule could act)'
              : 'give the any rule the highest priority or leave priorities unset')));
        }
      }
      // ECR user guide (lifecycle policy evaluation rules): "Only one rule selecting a specific storage
      // class is allowed to select untagged images." (The documented example with an untagged rule and
      // an any rule shows that any rules are not counted.)
      const untagged = inClass.filter(r => r.tagStatus === TagStatus.UNTAGGED);
      for (const extra of untagged.slice(1)) {
        errors.push(violation(LIFECYCLE_POLICY, 'tagStatus', extra.tagStatus,
          `only one ${storageClass} rule can select untagged images, but "${label(untagged[0])}" (priority ${untagged[0].priority}) ` +
          `and "${label(extra)}" (priority ${extra.priority}) both do; merge them into one rule`));
      }
      // ECR user guide (lifecycle policy evaluation rules): "The set of all rules selecting a specific
      // storage class must contain a unique set of prefixes." Read as: no two rules of a storage class
      // with the same tag list (the later one could never act, as the earlier one claims its images).
      const lists = new Map<string, LifecycleRule>();
      for (const rule of inClass) {
        const list = rule.tagPrefixList ?? rule.tagPatternList;
        if (!list || isUnresolved(list)) continue;
        const key = `${rule.tagPrefixList ? 'prefix' : 'pattern'}:${JSON.stringify([...new Set(list)].sort())}`;
        const first = lists.get(key);
        if (first) {
          errors.push(violation(LIFECYCLE_POLICY, rule.tagPrefixList ? 'tagPrefixList' : 'tagPatternList', list,
            `"${label(first)}" (priority ${first.priority}) already selects the same ${storageClass} tags; ` +
            `rules of a storage class need distinct tag lists, and "${label(rule)}" (priority ${rule.priority}) could never act`));
        } else {
          lists.set(key, rule);
        }
      }
    }
    const text = this.fittedText();
    if (text.length < MIN_POLICY_CHARS || text.length > MAX_POLICY_CHARS) {
      errors.push(violation(LIFECYCLE_POLICY, 'policy text', `${text.length} characters`,
        `ECR lifecycle policy text must be ${MIN_POLICY_CHARS}-${MAX_POLICY_CHARS} characters` +
        (rules.some(r => r._descriptionGenerated) ? ' (generated descriptions already left out)' : '')));
    }
    return errors;
  }

  /**
   * Previews what this policy does to a repository's images, following the ECR lifecycle policy
   * evaluation rules (see the ECR user guide): rules in priority order, each image acted on by at most
   * one rule, an image that matches the tag selection of a rule closed to every lower-priority rule,
   * `imageCountMoreThan` keeping the newest images by push time, every tag list entry matched, and
   * archive rules waiting at least 90 days. Protected tags are included.
   *
   * Where the ECR documentation is silent, the preview keeps the image (equal push times at a count
   * boundary, archived images without an archive time, images a manifest list references).
   *
   * Returns one result per image that is expired or transitioned to the archive, ordered by rule
   * priority, then push time; images not returned are kept. Throws when the policy is invalid.
   *
   * @param images the repository's images (for example from `aws ecr describe-images`)
   * @param now the time of evaluation (default: the current time)
   */
  public evaluate(images: LifecycleImage[], now?: Date): LifecycleEvaluationResult[] {
    if (this.isEmpty) return [];
    throwAll('LifecyclePolicy.evaluate', this._violations());
    return evaluateLifecycleRules(this.resolvedRules(), images, now ?? new Date());
  }

  /**
   * The lifecycle policy text ECR expects. Throws when the policy is invalid or empty.
   */
  public toJson(): string {
    return this._render('LifecyclePolicy', JSON.stringify);
  }

  /**
   * Renders the policy with a token-aware serializer (for example `Stack.of(scope).toJsonString`).
   * @internal
   */
  public _render(where: Where, stringify: (obj: any) => string): string {
    if (this.isEmpty) fail(where, 'rules', [], 'a lifecycle policy needs at least one rule');
    throwAll(where, this._violations());
    return render(fitted(this.resolvedRules(), JSON.stringify), stringify);
  }

  /**
   * Renders the policy, or returns undefined when it is empty or invalid: for `Lazy` values, which
   * must not throw from inside token resolution. The owner's `node.addValidation` reports the errors.
   * @internal
   */
  public _renderIfValid(stringify: (obj: any) => string): string | undefined {
    if (this.isEmpty || this._violations().length) return undefined;
    // Without tokens the token-aware text is the plain one, and plain text needs no resolving at synth.
    const rules = fitted(this.resolvedRules(), JSON.stringify);
    if (!rules.some(holdsToken)) return this.fittedText();
    return render(rules, stringify);
  }
}

/** Throws every violation in one validation error (the first one's fields, every message). */
function throwAll(where: Where, violations: Violation[]): void {
  const [first, ...rest] = violations;
  if (!first) return;
  throw new BlueprintValidationError(where, first.property, first.value, first.rule, first.ruleId, violationMessages(where, rest));
}

/** Sort key: known priorities in order, rules with a token priority last. */
function order(rule: LifecycleRule): number {
  return isUnresolved(rule.priority) ? Number.MAX_SAFE_INTEGER : rule.priority!;
}

/** Longest reason quoted in a protection rule's description; longer ones keep their end (the most specific part of a path). */
const REASON_CHARS = 64;

/** A reason that ends with the digest a protection rule stands for (`SecureRepository.protectDigest`). */
const DIGEST_SUFFIX = /^(.*?)(,? ?digest sha256:[a-f0-9]{64})$/s;

function bounded(reason: string): string {
  // The digest is kept whole: the app-wide check reads it from the description to know the tag covers it.
  const digest = DIGEST_SUFFIX.exec(reason);
  if (digest) return `${bounded(digest[1])}${digest[2]}`;
  return reason.length > REASON_CHARS ? `...${reason.slice(reason.length - REASON_CHARS + 3)}` : reason;
}

/**
 * The rules as rendered: with their descriptions, unless the text would then exceed ECR's limit,
 * in which case the generated descriptions are left out (given ones are kept), so that generated
 * text never pushes an otherwise valid policy over 30,720 characters.
 */
function fitted(rules: LifecycleRule[], stringify: (obj: any) => string): LifecycleRule[] {
  if (render(rules, stringify).length <= MAX_POLICY_CHARS) return rules;
  return rules.map(r => r._withoutGeneratedDescription());
}

/** Sequences of rules (without protected tags) found valid, by their last rule. */
const VALID_SEQUENCES = new WeakMap<LifecycleRule, LifecycleRule[][]>();

function isKnownValid(rules: readonly LifecycleRule[]): boolean {
  const last = rules[rules.length - 1];
  return last !== undefined && (VALID_SEQUENCES.get(last) ?? []).some(seq => seq.length === rules.length && seq.every((r, i) => r === rules[i]));
}

function rememberValid(rules: readonly LifecycleRule[]): void {
  const last = rules[rules.length - 1];
  if (last === undefined || isKnownValid(rules)) return;
  const known = VALID_SEQUENCES.get(last) ?? [];
  // A few sequences per rule are enough (a baseline, a template); more would only be searched.
  if (known.length < 8) VALID_SEQUENCES.set(last, [...known, [...rules]]);
}

/** True when a field of the rule that is written into the policy text holds a token. */
function holdsToken(rule: LifecycleRule): boolean {
  return [rule.priority, rule.description, rule.tagPatternList, rule.tagPrefixList, rule.countNumber].some(isUnresolved);
}

function label(rule: LifecycleRule): string {
  return rule.description ?? `${rule.tagStatus} ${rule.countType} ${show(rule.countNumber)}`;
}

function render(rules: LifecycleRule[], stringify: (obj: any) => string): string {
  if (stringify === JSON.stringify) return `{"rules":[${rules.map(ruleJson).join(',')}]}`;
  return stringify({ rules: rules.map(renderRule) });
}

/** The rule as JSON text, computed once per (immutable) rule: `JSON.stringify` of `renderRule`. */
const RULE_JSON = new WeakMap<LifecycleRule, string>();
function ruleJson(rule: LifecycleRule): string {
  let json = RULE_JSON.get(rule);
  if (json === undefined) {
    json = JSON.stringify(renderRule(rule));
    RULE_JSON.set(rule, json);
  }
  return json;
}

/** One rule in ECR's JSON shape; `storageClass` is written only when it is not the default. */
function renderRule(rule: LifecycleRule): Record<string, unknown> {
  return {
    rulePriority: rule.priority,
    ...(rule.description !== undefined ? { description: rule.description } : {}),
    selection: {
      tagStatus: rule.tagStatus,
      ...(rule.tagPatternList ? { tagPatternList: rule.tagPatternList } : {}),
      ...(rule.tagPrefixList ? { tagPrefixList: rule.tagPrefixList } : {}),
      ...(rule.storageClass !== LifecycleStorageClass.STANDARD ? { storageClass: rule.storageClass } : {}),
      countType: rule.countType,
      ...(rule.countsDays ? { countUnit: 'days' } : {}),
      countNumber: rule.countNumber,
    },
    action: rule.action === LifecycleAction.TRANSITION
      ? { type: rule.action, targetStorageClass: LifecycleStorageClass.ARCHIVE }
      : { type: rule.action },
  };
}
