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
import { checkPattern, fail, isUnresolved, message, show, Where } from '../private/validate';

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
    const errors = policy.validate('LifecyclePolicy.fromJson');
    if (errors.length) throw new Error(errors.join('\n'));
    return policy;
  }

  private readonly _rules: LifecycleRule[] = [];
  private readonly _protected = new Map<string, string>();

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
        fail('LifecyclePolicy.addRule', 'priority', rule.priority,
          `priority ${rule.priority} is already used by rule "${clash.description ?? clash.tagStatus}"; rule priorities must be unique`);
      }
    }
    this._rules.push(rule);
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
    checkPattern('LifecyclePolicy.protectTag', 'tag', tag, IMAGE_TAG_PATTERN, IMAGE_TAG_RULE);
    if (isUnresolved(tag)) {
      fail('LifecyclePolicy.protectTag', 'tag', tag, 'a protected tag must be known at synth time to be written into the lifecycle policy');
    }
    if (!this._protected.has(tag) || reason) {
      this._protected.set(tag, reason ?? this._protected.get(tag) ?? 'protected tag');
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
    const protections = [...this._protected.entries()].map(([tag, reason]) => LifecycleRule.custom({
      tagStatus: TagStatus.TAGGED,
      tagPatternList: [tag],
      countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN,
      countNumber: PROTECTION_COUNT,
      description: `Protect tag ${tag} (${reason}): selecting it here stops lower-priority rules; this rule never fires`,
    }));
    // A rule only selects images of its storage class, so archived images need their own protection
    // rule, and only when some rule could expire archived images.
    if (this._rules.some(r => r.storageClass === LifecycleStorageClass.ARCHIVE)) {
      protections.push(...[...this._protected.entries()].map(([tag, reason]) => LifecycleRule.custom({
        tagStatus: TagStatus.TAGGED,
        tagPatternList: [tag],
        storageClass: LifecycleStorageClass.ARCHIVE,
        countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED,
        countNumber: PROTECTION_ARCHIVE_DAYS,
        description: `Protect archived tag ${tag} (${reason}): selecting it here stops lower-priority rules; this rule never fires`,
      })));
    }

    const explicit = this._rules.filter(r => r.priority !== undefined);
    const auto = this._rules.filter(r => r.priority === undefined);
    const used = new Set(explicit.map(r => r.priority!));
    const numbered: LifecycleRule[] = [...explicit];
    let next = Math.max(0, ...explicit.filter(r => r.tagStatus !== TagStatus.ANY).map(r => r.priority!)) + 1;
    const take = () => {
      while (used.has(next)) next++;
      used.add(next);
      return next;
    };
    for (const rule of auto.filter(r => r.tagStatus !== TagStatus.ANY)) numbered.push(rule.withPriority(take()));
    next = Math.max(0, ...used) + 1;
    for (const rule of auto.filter(r => r.tagStatus === TagStatus.ANY)) numbered.push(rule.withPriority(take()));

    // Protection rules take priorities 1..k; user priorities move up only when they start at or below k.
    const lowest = Math.min(Infinity, ...numbered.map(r => r.priority!));
    const shift = protections.length > 0 && lowest <= protections.length ? protections.length - lowest + 1 : 0;
    const shifted = shift ? numbered.map(r => r.withPriority(r.priority! + shift)) : numbered;
    return [
      ...protections.map((r, i) => r.withPriority(i + 1)),
      ...shifted.sort((a, b) => a.priority! - b.priority!),
    ];
  }

  /**
   * The problems that make this policy unacceptable to ECR, as messages; empty when it is valid.
   *
   * @param where construct path or label to prefix each message with
   */
  public validate(where: string = 'LifecyclePolicy'): string[] {
    const errors: string[] = [];
    if (this.isEmpty) return errors;
    const rules = this.resolvedRules();
    if (rules.length > MAX_RULES) {
      const protections = rules.length - this._rules.length;
      errors.push(message(where, 'rules', rules.length,
        `ECR accepts at most ${MAX_RULES} rules per lifecycle policy (${protections} of them protect deployed tags)`));
    }
    for (const storageClass of Object.values(LifecycleStorageClass)) {
      const inClass = rules.filter(r => r.storageClass === storageClass);
      const anyRules = inClass.filter(r => r.tagStatus === TagStatus.ANY);
      for (const anyRule of anyRules) {
        // ECR user guide (lifecycle policy properties): "A rule with a tagStatus value of any must have
        // the highest value for rulePriority and be evaluated last." The documented archive example has
        // one any rule per storage class, so the check is per storage class.
        const later = inClass.find(r => r !== anyRule && r.priority! > anyRule.priority!);
        if (later) {
          errors.push(message(where, 'priority', anyRule.priority,
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
        errors.push(message(where, 'tagStatus', extra.tagStatus,
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
          errors.push(message(where, rule.tagPrefixList ? 'tagPrefixList' : 'tagPatternList', list,
            `"${label(first)}" (priority ${first.priority}) already selects the same ${storageClass} tags; ` +
            `rules of a storage class need distinct tag lists, and "${label(rule)}" (priority ${rule.priority}) could never act`));
        } else {
          lists.set(key, rule);
        }
      }
    }
    const text = render(rules, JSON.stringify);
    if (text.length < MIN_POLICY_CHARS || text.length > MAX_POLICY_CHARS) {
      errors.push(message(where, 'policy text', `${text.length} characters`,
        `ECR lifecycle policy text must be ${MIN_POLICY_CHARS}-${MAX_POLICY_CHARS} characters`));
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
    const errors = this.validate('LifecyclePolicy.evaluate');
    if (errors.length) throw new Error(errors.join('\n'));
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
    const label_ = typeof where === 'string' ? where : where.node.path;
    if (this.isEmpty) fail(where, 'rules', [], 'a lifecycle policy needs at least one rule');
    const errors = this.validate(label_);
    if (errors.length) throw new Error(errors.join('\n'));
    return render(this.resolvedRules(), stringify);
  }
}

function label(rule: LifecycleRule): string {
  return rule.description ?? `${rule.tagStatus} ${rule.countType} ${show(rule.countNumber)}`;
}

function render(rules: LifecycleRule[], stringify: (obj: any) => string): string {
  return stringify({ rules: rules.map(renderRule) });
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
