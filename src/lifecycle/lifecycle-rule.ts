import { LIFECYCLE_ARCHIVE_MINIMUM_DAYS, LIFECYCLE_MAX_WILDCARDS } from '../private/ecr-rules';
import { checkInteger, checkLength, fail, isUnresolved, Where } from '../private/validate';

/**
 * Which images a lifecycle rule selects by their tags.
 */
export enum TagStatus {
  /** Images with at least one tag matching the rule's tag pattern or prefix list. */
  TAGGED = 'tagged',
  /** Images with no tag at all. */
  UNTAGGED = 'untagged',
  /** Every image. ECR requires an `any` rule to be evaluated last (checked per storage class). */
  ANY = 'any',
}

/**
 * The ECR storage class a rule selects, or moves images to.
 */
export enum LifecycleStorageClass {
  /** Images that can be pulled (the default). */
  STANDARD = 'standard',
  /** Archived images: cheaper, cannot be pulled until restored, kept at least 90 days. */
  ARCHIVE = 'archive',
}

/**
 * How a rule counts images.
 */
export enum LifecycleCountType {
  /** Act on the images beyond the newest `countNumber` (newest by push time). */
  IMAGE_COUNT_MORE_THAN = 'imageCountMoreThan',
  /** Act on images pushed more than `countNumber` days ago. */
  SINCE_IMAGE_PUSHED = 'sinceImagePushed',
  /** Act on images last pulled more than `countNumber` days ago (transition action only). */
  SINCE_IMAGE_PULLED = 'sinceImagePulled',
  /** Act on archived images transitioned more than `countNumber` days ago (archive storage class only). */
  SINCE_IMAGE_TRANSITIONED = 'sinceImageTransitioned',
}

/**
 * What a rule does to the images it selects.
 */
export enum LifecycleAction {
  /** Delete the image. */
  EXPIRE = 'expire',
  /** Move the image to the archive storage class. */
  TRANSITION = 'transition',
}

/**
 * Options common to every lifecycle rule.
 */
export interface LifecycleRuleOptions {
  /**
   * Explicit rule priority (1 is evaluated first). Explicit priorities must be unique in a policy.
   *
   * @default - assigned by `LifecyclePolicy` in the order rules are added, with `any` rules last
   */
  readonly priority?: number;

  /**
   * Description stored with the rule.
   *
   * @default - a description generated from what the rule does
   */
  readonly description?: string;
}

/**
 * Options for rules that can select images by tag.
 */
export interface TagSelectionOptions extends LifecycleRuleOptions {
  /**
   * Tag patterns with `*` wildcards (at most four per pattern). An image is selected when, for every
   * pattern in the list, at least one of its tags matches it.
   *
   * @default - no pattern selection
   */
  readonly tagPatterns?: string[];

  /**
   * Tag prefixes. An image is selected when, for every prefix in the list, at least one of its tags
   * starts with it. Cannot be combined with `tagPatterns`.
   *
   * @default - no prefix selection
   */
  readonly tagPrefixes?: string[];
}

/**
 * Every field of an ECR lifecycle rule, for `LifecycleRule.custom()`.
 */
export interface CustomLifecycleRuleProps extends LifecycleRuleOptions {
  /** Which images the rule selects by tag. */
  readonly tagStatus: TagStatus;

  /**
   * Tag patterns (`tagStatus` TAGGED only). Exactly one of `tagPatternList` and `tagPrefixList` is
   * required for TAGGED rules.
   *
   * @default - none
   */
  readonly tagPatternList?: string[];

  /**
   * Tag prefixes (`tagStatus` TAGGED only).
   *
   * @default - none
   */
  readonly tagPrefixList?: string[];

  /**
   * Storage class the rule selects.
   *
   * @default LifecycleStorageClass.STANDARD
   */
  readonly storageClass?: LifecycleStorageClass;

  /** How the rule counts images. */
  readonly countType: LifecycleCountType;

  /** The count: a number of images, or a number of days. */
  readonly countNumber: number;

  /**
   * What the rule does to selected images.
   *
   * @default LifecycleAction.EXPIRE
   */
  readonly action?: LifecycleAction;
}

const TAG_FILTER_CHARS = /^[A-Za-z0-9_.*-]+$/;
/** Rules whose description a builder generated. */
const GENERATED_DESCRIPTIONS = new WeakSet<object>();
/** The copies `withPriority` made of a rule, by priority. */
const PRIORITY_COPIES = new WeakMap<LifecycleRule, Map<number, LifecycleRule>>();

/**
 * One rule of an ECR lifecycle policy.
 *
 * Use the static builders for the common rules and `custom()` for anything else; every rule is
 * checked against ECR's lifecycle grammar when it is created, and the policy that holds it checks
 * the rules against each other.
 */
export class LifecycleRule {
  /**
   * Expire untagged images pushed more than `days` days ago.
   */
  public static expireUntaggedAfter(days: number, options: LifecycleRuleOptions = {}): LifecycleRule {
    return new LifecycleRule('LifecycleRule.expireUntaggedAfter', {
      ...options,
      tagStatus: TagStatus.UNTAGGED,
      countType: LifecycleCountType.SINCE_IMAGE_PUSHED,
      countNumber: days,
      description: options.description ?? `Expire untagged images ${days} days after push`,
    }, options.description === undefined);
  }

  /**
   * Keep only the newest `count` images that match the tag patterns or prefixes, and expire older ones.
   * Without patterns or prefixes the rule keeps the newest `count` images of any tag status.
   */
  public static keepNewest(count: number, options: TagSelectionOptions = {}): LifecycleRule {
    const where = 'LifecycleRule.keepNewest';
    return new LifecycleRule(where, {
      ...selection(where, options, TagStatus.ANY),
      countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN,
      countNumber: count,
      priority: options.priority,
      description: options.description ?? `Keep the newest ${count} ${describeSelection(options)}`,
    }, options.description === undefined);
  }

  /**
   * Expire images whose tags match the patterns or prefixes once they were pushed more than `days` days ago.
   */
  public static expireTaggedAfter(days: number, options: TagSelectionOptions): LifecycleRule {
    const where = 'LifecycleRule.expireTaggedAfter';
    if (!options.tagPatterns?.length && !options.tagPrefixes?.length) {
      fail(where, 'options', options, 'give tagPatterns or tagPrefixes to say which tagged images expire (use custom() for any other selection)');
    }
    return new LifecycleRule(where, {
      ...selection(where, options, TagStatus.TAGGED),
      countType: LifecycleCountType.SINCE_IMAGE_PUSHED,
      countNumber: days,
      priority: options.priority,
      description: options.description ?? `Expire ${describeSelection(options)} ${days} days after push`,
    }, options.description === undefined);
  }

  /**
   * Move images that have not been pulled for `days` days to the archive storage class.
   * Without patterns or prefixes the rule applies to images of any tag status.
   *
   * Every pull resets the clock, except pulls by Amazon Inspector and by the IAM roles of the
   * registry's pull-time update exclusions: when a third-party scanner or a build system pulls every
   * image, exclude its role (`PullTimeUpdateExclusion`, or `ContainerRegistry.addPullTimeUpdateExclusion`),
   * or this rule never archives anything.
   */
  public static archiveAfterDaysSinceLastPull(days: number, options: TagSelectionOptions = {}): LifecycleRule {
    const where = 'LifecycleRule.archiveAfterDaysSinceLastPull';
    return new LifecycleRule(where, {
      ...selection(where, options, TagStatus.ANY),
      countType: LifecycleCountType.SINCE_IMAGE_PULLED,
      countNumber: days,
      action: LifecycleAction.TRANSITION,
      priority: options.priority,
      description: options.description ?? `Archive ${describeSelection(options)} not pulled for ${days} days`,
    }, options.description === undefined);
  }

  /**
   * Delete archived images `days` days after they were archived (ECR's minimum is 90 days).
   * Without patterns or prefixes the rule applies to archived images of any tag status.
   */
  public static expireArchivedAfter(days: number, options: TagSelectionOptions = {}): LifecycleRule {
    const where = 'LifecycleRule.expireArchivedAfter';
    return new LifecycleRule(where, {
      ...selection(where, options, TagStatus.ANY),
      storageClass: LifecycleStorageClass.ARCHIVE,
      countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED,
      countNumber: days,
      priority: options.priority,
      description: options.description ?? `Expire archived ${describeSelection(options)} ${days} days after archiving`,
    }, options.description === undefined);
  }

  /**
   * Any rule of the ECR lifecycle grammar.
   */
  public static custom(props: CustomLifecycleRuleProps): LifecycleRule {
    return new LifecycleRule('LifecycleRule.custom', props);
  }

  /**
   * A rule built from parsed policy text, with errors reported at `where` (the rule's index and priority).
   * @internal
   */
  public static _fromProps(where: Where, props: CustomLifecycleRuleProps, descriptionGenerated = false): LifecycleRule {
    return new LifecycleRule(where, props, descriptionGenerated);
  }

  /** Explicit priority, if one was given. */
  public readonly priority?: number;
  /** Description stored with the rule. */
  public readonly description?: string;
  /** Which images the rule selects by tag. */
  public readonly tagStatus: TagStatus;
  /** Tag patterns, for TAGGED rules that select by pattern. */
  public readonly tagPatternList?: string[];
  /** Tag prefixes, for TAGGED rules that select by prefix. */
  public readonly tagPrefixList?: string[];
  /** Storage class the rule selects. */
  public readonly storageClass: LifecycleStorageClass;
  /** How the rule counts images. */
  public readonly countType: LifecycleCountType;
  /** A number of images or of days, depending on `countType`. */
  public readonly countNumber: number;
  /** What the rule does to the images it selects. */
  public readonly action: LifecycleAction;
  /**
   * True when the description was generated by a builder rather than given, so that it can be left
   * out when the policy text would otherwise exceed ECR's limit. (Kept outside the object, so that
   * two rules with the same fields stay equal.)
   * @internal
   */
  public get _descriptionGenerated(): boolean {
    return GENERATED_DESCRIPTIONS.has(this);
  }

  /**
   * @param checked the fields other than the priority come from a rule that was already checked
   */
  private constructor(where: Where, props: CustomLifecycleRuleProps, descriptionGenerated = false, checked = false) {
    this.priority = props.priority;
    if (descriptionGenerated) GENERATED_DESCRIPTIONS.add(this);
    this.description = props.description;
    this.tagStatus = props.tagStatus;
    this.tagPatternList = props.tagPatternList?.length ? [...props.tagPatternList] : undefined;
    this.tagPrefixList = props.tagPrefixList?.length ? [...props.tagPrefixList] : undefined;
    this.storageClass = props.storageClass ?? LifecycleStorageClass.STANDARD;
    this.countType = props.countType;
    this.countNumber = props.countNumber;
    this.action = props.action ?? LifecycleAction.EXPIRE;
    if (checked) {
      checkInteger(where, 'priority', this.priority, { min: 1 });
    } else {
      validateRule(where, this);
    }
  }

  /**
   * A copy of this rule with the given priority.
   */
  public withPriority(priority: number): LifecycleRule {
    // Rules are immutable, so one copy per priority serves every policy that numbers the rule alike
    // (a registry's baseline rules are shared by all its repositories).
    let copies = PRIORITY_COPIES.get(this);
    if (!copies) {
      copies = new Map();
      PRIORITY_COPIES.set(this, copies);
    }
    let copy = copies.get(priority);
    if (!copy) {
      copy = new LifecycleRule('LifecycleRule.withPriority', { ...this.toProps(), priority }, this._descriptionGenerated, true);
      copies.set(priority, copy);
    }
    return copy;
  }

  /**
   * The same rule without a generated description (given descriptions are kept).
   * @internal
   */
  public _withoutGeneratedDescription(): LifecycleRule {
    if (!this._descriptionGenerated) return this;
    return new LifecycleRule('LifecycleRule.withPriority', { ...this.toProps(), description: undefined }, false, true);
  }

  /**
   * True when the rule counts days (`countUnit` is `days`), false when it counts images.
   */
  public get countsDays(): boolean {
    return this.countType !== LifecycleCountType.IMAGE_COUNT_MORE_THAN;
  }

  /** The rule's fields as `custom()` props. */
  public toProps(): CustomLifecycleRuleProps {
    return {
      priority: this.priority,
      description: this.description,
      tagStatus: this.tagStatus,
      tagPatternList: this.tagPatternList,
      tagPrefixList: this.tagPrefixList,
      storageClass: this.storageClass,
      countType: this.countType,
      countNumber: this.countNumber,
      action: this.action,
    };
  }
}

function selection(where: Where, options: TagSelectionOptions, untaggedDefault: TagStatus) {
  if (options.tagPatterns?.length && options.tagPrefixes?.length) {
    fail(where, 'tagPrefixes', options.tagPrefixes, 'give tagPatterns or tagPrefixes, not both');
  }
  const tagged = !!(options.tagPatterns?.length || options.tagPrefixes?.length);
  return {
    tagStatus: tagged ? TagStatus.TAGGED : untaggedDefault,
    tagPatternList: options.tagPatterns,
    tagPrefixList: options.tagPrefixes,
  };
}

/** Entries a generated description names before it says how many more there are. */
const DESCRIBED_ENTRIES = 3;
/** Longest entry a generated description quotes whole. */
const DESCRIBED_ENTRY_CHARS = 32;

/**
 * The selection in words, bounded: at most three entries of at most 32 characters, then
 * "and N more", so that a generated description stays under 200 characters however long
 * the tag list is (the list itself is in the rule).
 */
function describeSelection(options: TagSelectionOptions): string {
  const list = (entries: string[]) => {
    const shown = entries.slice(0, DESCRIBED_ENTRIES)
      .map(e => isUnresolved(e) ? '(token)' : e.length > DESCRIBED_ENTRY_CHARS ? `${e.slice(0, DESCRIBED_ENTRY_CHARS - 3)}...` : e);
    const more = entries.length - shown.length;
    return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(' and ');
  };
  if (options.tagPatterns?.length) return `images tagged ${list(options.tagPatterns)}`;
  if (options.tagPrefixes?.length) return `images with tag prefix ${list(options.tagPrefixes)}`;
  return 'images';
}

/**
 * The checks that concern one rule on its own (the ECR lifecycle policy properties page).
 * Checks between rules live in `LifecyclePolicy`.
 */
function validateRule(where: Where, rule: LifecycleRule): void {
  checkInteger(where, 'priority', rule.priority, { min: 1 });
  checkInteger(where, 'countNumber', rule.countNumber, { min: 1 });
  if (rule.description !== undefined) checkLength(where, 'description', rule.description, 0, 2048);
  enumValue(where, 'tagStatus', rule.tagStatus, TagStatus);
  enumValue(where, 'storageClass', rule.storageClass, LifecycleStorageClass);
  enumValue(where, 'countType', rule.countType, LifecycleCountType);
  enumValue(where, 'action', rule.action, LifecycleAction);

  const patterns = rule.tagPatternList;
  const prefixes = rule.tagPrefixList;
  if (rule.tagStatus === TagStatus.TAGGED) {
    if (!patterns && !prefixes) {
      fail(where, 'tagStatus', rule.tagStatus, 'tagged rules need a tagPatternList or a tagPrefixList');
    }
    if (patterns && prefixes) {
      fail(where, 'tagPrefixList', prefixes, 'a rule takes a tagPatternList or a tagPrefixList, not both');
    }
  } else if (patterns || prefixes) {
    fail(where, patterns ? 'tagPatternList' : 'tagPrefixList', patterns ?? prefixes,
      `${rule.tagStatus} rules cannot have tag lists (use tagStatus tagged)`);
  }
  for (const pattern of patterns ?? []) {
    if (isUnresolved(pattern)) continue;
    if (!TAG_FILTER_CHARS.test(pattern) || pattern.length > 128) {
      fail(where, 'tagPatternList', pattern, 'tag patterns are 1-128 characters of letters, digits, _, ., - and *');
    }
    const wildcards = pattern.split('*').length - 1;
    if (wildcards > LIFECYCLE_MAX_WILDCARDS) {
      fail(where, 'tagPatternList', pattern, `a tag pattern can have at most ${LIFECYCLE_MAX_WILDCARDS} * wildcards (has ${wildcards})`);
    }
  }
  for (const prefix of prefixes ?? []) {
    if (isUnresolved(prefix)) continue;
    if (!TAG_FILTER_CHARS.test(prefix) || prefix.includes('*') || prefix.length > 128) {
      fail(where, 'tagPrefixList', prefix, 'tag prefixes are 1-128 characters of letters, digits, _, . and - (use tagPatternList for wildcards)');
    }
  }

  const archive = rule.storageClass === LifecycleStorageClass.ARCHIVE;
  if (archive && rule.countType !== LifecycleCountType.SINCE_IMAGE_TRANSITIONED) {
    fail(where, 'countType', rule.countType, 'rules on the archive storage class count days sinceImageTransitioned');
  }
  if (!archive && rule.countType === LifecycleCountType.SINCE_IMAGE_TRANSITIONED) {
    fail(where, 'countType', rule.countType, 'sinceImageTransitioned applies only to the archive storage class (set storageClass archive)');
  }
  if (archive && rule.action !== LifecycleAction.EXPIRE) {
    fail(where, 'action', rule.action, 'archived images can only be expired (the archive storage class is the last one)');
  }
  if (rule.countType === LifecycleCountType.SINCE_IMAGE_PULLED && rule.action !== LifecycleAction.TRANSITION) {
    fail(where, 'countType', rule.countType, 'sinceImagePulled is only accepted with the transition action (archive images not pulled recently)');
  }
  if (archive && !isUnresolved(rule.countNumber) && rule.countNumber < LIFECYCLE_ARCHIVE_MINIMUM_DAYS) {
    fail(where, 'countNumber', rule.countNumber,
      `ECR keeps archived images at least ${LIFECYCLE_ARCHIVE_MINIMUM_DAYS} days, so a rule cannot expire them sooner`);
  }
}

function enumValue(where: Where, property: string, value: string, enumType: Record<string, string>): void {
  if (isUnresolved(value)) return;
  const values = Object.values(enumType);
  if (!values.includes(value)) fail(where, property, value, `must be one of ${values.join(', ')}`);
}
