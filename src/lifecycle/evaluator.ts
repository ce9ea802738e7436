import { LifecycleEvaluationResult, LifecycleImage } from './lifecycle-image';
import { LifecycleAction, LifecycleCountType, LifecycleRule, LifecycleStorageClass, TagStatus } from './lifecycle-rule';
import { LIFECYCLE_ARCHIVE_MINIMUM_DAYS } from '../private/ecr-rules';
import { fail } from '../private/validate';
import { wildcardMatch } from '../private/wildcard';

/*
 * A local model of the ECR lifecycle policy evaluator. Each branch names the sentence of the ECR
 * user guide it implements, quoted from these pages:
 *
 *  [HOW]  "Automate the cleanup of images by using lifecycle policies", section "Lifecycle policy
 *         evaluation rules".
 *  [PROP] "Lifecycle policy properties".
 *  [EX]   "Examples of lifecycle policies" (its worked examples are the tests' vectors).
 *  [ARCH] "Archiving an image" and "Archiving an image in Amazon ECR".
 *
 * Where the pages say nothing, the comment says "docs silent" and the choice made is the one that
 * expires or archives fewer images: a preview that keeps too much is safe, one that deletes too much
 * is not.
 */

const DAY_MS = 86_400_000;
const WHERE = 'LifecyclePolicy.evaluate';

/** An image with its times as milliseconds and its defaults filled in. */
interface Candidate {
  readonly image: LifecycleImage;
  readonly tags: string[];
  readonly storageClass: LifecycleStorageClass;
  /**
   * The time count and age rules order by. [HOW] "If an image was archived and then restored at any
   * point in the past, the image's last_activated_at is used instead of pushed_at_time"; [ARCH]
   * "Restored images behave like newly pushed images". The later of the two is used.
   */
  readonly activeSince: number;
  readonly transitionedAt?: number;
  readonly lastPulledAt?: number;
  /** Selected by no rule and counted by none (reference artifacts, images a manifest list references). */
  readonly excluded: boolean;
}

/** One rule's first-pass outcome: the images it identifies and the ones it would act on. */
interface RuleOutcome {
  readonly rule: LifecycleRule;
  readonly identified: Set<Candidate>;
  readonly marked: Map<Candidate, string>;
}

/**
 * Evaluates rules (with their final priorities) against images at `now`.
 *
 * The two passes follow [HOW]: "All rules are evaluated at the same time, regardless of rule
 * priority. After all rules are evaluated, they are then applied based on rule priority."
 */
export function evaluateLifecycleRules(rules: LifecycleRule[], images: LifecycleImage[], now: Date): LifecycleEvaluationResult[] {
  const nowMs = time('now', now);
  const candidates = images.map((image, index) => candidate(image, index));
  checkUnique(candidates);

  // First pass: every rule on its own, as if no other rule existed.
  const ordered = [...rules].sort((a, b) => a.priority! - b.priority!);
  const outcomes = ordered.map(rule => evaluateRule(rule, candidates, nowMs));

  // Second pass, in priority order (lowest number first: [PROP] "A lifecycle policy rule with a
  // priority of 1 is applied first").
  // [HOW] "An image that matches the tagging requirements of a rule cannot be expired or archived by a
  // rule with a lower priority" and "Rules can never mark images that are marked by higher priority
  // rules, but can still identify them as if they haven't been expired or archived": an image
  // identified by an earlier rule is closed to every later rule, whether or not the earlier rule acted.
  // This also gives [HOW] "An image is expired or archived by exactly one or zero rules".
  const claimed = new Set<Candidate>();
  const decided = new Map<Candidate, LifecycleEvaluationResult>();
  for (const { rule, identified, marked } of outcomes) {
    for (const [c, reason] of marked) {
      if (!claimed.has(c)) decided.set(c, result(c, rule.action, rule, reason));
    }
    for (const c of identified) claimed.add(c);
  }

  followSubjects(candidates, decided);

  return [...decided.values()].sort((a, b) =>
    a.rulePriority - b.rulePriority || a.pushedAt.getTime() - b.pushedAt.getTime() || compare(a.digest, b.digest));
}

function evaluateRule(rule: LifecycleRule, candidates: Candidate[], now: number): RuleOutcome {
  // [PROP] storageClass: "The rule will only select images of this storage class."
  const identified = new Set(candidates.filter(c =>
    !c.excluded && c.storageClass === rule.storageClass && matchesTags(rule, c.tags)));
  const marked = new Map<Candidate, string>();
  const limit = rule.countNumber * DAY_MS;
  const days = (ms: number) => Math.floor(ms / DAY_MS);

  switch (rule.countType) {
    case LifecycleCountType.IMAGE_COUNT_MORE_THAN: {
      // [HOW] "With countType = imageCountMoreThan, images are sorted from youngest to oldest based on
      // pushed_at_time and then all images greater than the specified count are expired or archived."
      // Docs silent on equal push times: every image pushed at the same instant as the last one kept is
      // kept too, so the result never depends on input order and never expires more than ECR could.
      const byAge = [...identified].sort((a, b) => b.activeSince - a.activeSince);
      if (byAge.length > rule.countNumber) {
        const oldestKept = byAge[rule.countNumber - 1].activeSince;
        for (const c of byAge) {
          if (c.activeSince < oldestKept) {
            marked.set(c, `${byAge.length} images match; only the newest ${rule.countNumber} by push time are kept`);
          }
        }
      }
      break;
    }
    case LifecycleCountType.SINCE_IMAGE_PUSHED:
      // [HOW] "With countType = sinceImagePushed, all images whose pushed_at_time is older than the
      // specified number of days based on countNumber are expired or archived." "Older than" is read
      // strictly: an image exactly N days old is kept.
      for (const c of identified) {
        const age = now - c.activeSince;
        if (age > limit) marked.set(c, `pushed ${days(age)} days ago, more than ${rule.countNumber}`);
      }
      break;
    case LifecycleCountType.SINCE_IMAGE_PULLED:
      // [HOW] "With countType = sinceImagePulled, all images whose last_recorded_pulltime is older than
      // the specified number of days based on countNumber are archived. If an image was never pulled,
      // the image's pushed_at_time is used instead ... If an image was archived and then restored ...
      // but never pulled since the image was restored, the image's last_activated_at is used instead."
      // The latest of push, restore and pull is the reference, which is each of those cases.
      for (const c of identified) {
        const since = Math.max(c.activeSince, c.lastPulledAt ?? -Infinity);
        const age = now - since;
        if (age > limit) {
          const what = c.lastPulledAt !== undefined && c.lastPulledAt >= c.activeSince ? 'last pulled'
            : c.image.restoredAt ? 'restored and not pulled since,' : 'never pulled; pushed';
          marked.set(c, `${what} ${days(age)} days ago, more than ${rule.countNumber}`);
        }
      }
      break;
    case LifecycleCountType.SINCE_IMAGE_TRANSITIONED:
      // [HOW] "With countType = sinceImageTransitioned, all archived images whose last_archived_at is
      // older than the specified number of days based on countNumber are expired." [ARCH] "You cannot
      // configure lifecycle policies that delete images that have been in archive for less than 90
      // days": enforced here too. Docs silent on an archived image without an archive time: kept.
      for (const c of identified) {
        if (c.transitionedAt === undefined) continue;
        const age = now - c.transitionedAt;
        if (age > limit && age > LIFECYCLE_ARCHIVE_MINIMUM_DAYS * DAY_MS) {
          marked.set(c, `archived ${days(age)} days ago, more than ${rule.countNumber}`);
        }
      }
      break;
  }
  return { rule, identified, marked };
}

/**
 * The tag requirements of a rule.
 *
 * - [PROP] tagStatus: "If you specify any, then all images have the rule evaluated against them";
 *   untagged rules select images without tags.
 * - [HOW] "An image is successfully matched if all of the tags in the tagPatternList or tagPrefixList
 *   value are matched against any of the image's tags": every entry must be matched by some tag
 *   (one tag may match several entries).
 * - [HOW] "When using tagPatternList, an image is successfully matched if it matches the wildcard
 *   filter": `*` matches any run of characters and the rest must match exactly (`prod*` matches
 *   `prod`, `prod1`, `production-team1`; `*prod*` matches `repo-production`).
 * - Prefix entries match tags that start with them ([PROP] "you would use the tag prefix prod to
 *   specify all of them").
 * - Docs silent on letter case: tags are compared exactly, as ECR stores them.
 */
export function matchesTags(rule: LifecycleRule, tags: string[]): boolean {
  switch (rule.tagStatus) {
    case TagStatus.ANY:
      return true;
    case TagStatus.UNTAGGED:
      return tags.length === 0;
    case TagStatus.TAGGED:
      if (tags.length === 0) return false;
      if (rule.tagPatternList) return rule.tagPatternList.every(p => tags.some(t => wildcardMatch(p, t)));
      if (rule.tagPrefixList) return rule.tagPrefixList.every(p => tags.some(t => t.startsWith(p)));
      return false;
  }
  return false;
}

/**
 * [HOW] "When reference artifacts are present in a repository, Amazon ECR lifecycle policies
 * automatically expire or archive those artifacts within 24 hours of the deletion or archival of the
 * subject image." A reference artifact follows its subject (and an artifact of an artifact follows
 * that one). Docs silent on an artifact whose subject is not in the list: kept. An archived artifact
 * of a subject being archived needs nothing.
 */
function followSubjects(candidates: Candidate[], decided: Map<Candidate, LifecycleEvaluationResult>): void {
  const byDigest = new Map(candidates.map(c => [c.image.digest, c]));
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of candidates) {
      const subjectDigest = c.image.subjectDigest;
      if (subjectDigest === undefined || decided.has(c)) continue;
      const subject = byDigest.get(subjectDigest);
      const verdict = subject && decided.get(subject);
      if (!verdict) continue;
      if (verdict.action === LifecycleAction.TRANSITION && c.storageClass === LifecycleStorageClass.ARCHIVE) continue;
      decided.set(c, {
        ...result(c, verdict.action, undefined, `reference artifact of ${subjectDigest}, which is ${verdict.action === LifecycleAction.EXPIRE ? 'expired' : 'archived'}`),
        rulePriority: verdict.rulePriority,
        ...(verdict.ruleDescription !== undefined ? { ruleDescription: verdict.ruleDescription } : {}),
      });
      changed = true;
    }
  }
}

function result(c: Candidate, action: LifecycleAction, rule: LifecycleRule | undefined, reason: string): LifecycleEvaluationResult {
  return {
    digest: c.image.digest,
    tags: [...c.tags],
    action,
    rulePriority: rule?.priority ?? 0,
    ...(rule?.description !== undefined ? { ruleDescription: rule.description } : {}),
    storageClass: c.storageClass,
    pushedAt: c.image.pushedAt,
    ...(c.image.sizeInBytes !== undefined ? { sizeInBytes: c.image.sizeInBytes } : {}),
    reason,
  };
}

function candidate(image: LifecycleImage, index: number): Candidate {
  const at = `images[${index}]`;
  if (image === null || typeof image !== 'object') fail(WHERE, at, image, 'each image is an object with a digest and a push time');
  if (typeof image.digest !== 'string' || image.digest.length === 0) {
    fail(WHERE, `${at}.digest`, image.digest, 'every image needs its digest (imageDigest)');
  }
  const tags = image.tags ?? [];
  if (!Array.isArray(tags) || tags.some(t => typeof t !== 'string' || t.length === 0)) {
    fail(WHERE, `${at}.tags`, image.tags, 'tags are a list of non-empty strings');
  }
  const storageClass = image.storageClass ?? LifecycleStorageClass.STANDARD;
  if (!Object.values(LifecycleStorageClass).includes(storageClass)) {
    fail(WHERE, `${at}.storageClass`, storageClass, `must be one of ${Object.values(LifecycleStorageClass).join(', ')}`);
  }
  if (image.sizeInBytes !== undefined && (typeof image.sizeInBytes !== 'number' || !(image.sizeInBytes >= 0))) {
    fail(WHERE, `${at}.sizeInBytes`, image.sizeInBytes, 'must be a number of bytes, 0 or more');
  }
  const pushedAt = time(`${at}.pushedAt`, image.pushedAt);
  const restoredAt = image.restoredAt === undefined ? undefined : time(`${at}.restoredAt`, image.restoredAt);
  return {
    image,
    tags: [...new Set(tags)],
    storageClass,
    activeSince: Math.max(pushedAt, restoredAt ?? -Infinity),
    transitionedAt: image.transitionedAt === undefined ? undefined : time(`${at}.transitionedAt`, image.transitionedAt),
    lastPulledAt: image.lastPulledAt === undefined ? undefined : time(`${at}.lastPulledAt`, image.lastPulledAt),
    // [HOW] "If an image is referenced by a manifest list, it cannot be expired or archived without
    // the manifest list being deleted or archived first." Docs silent on whether it counts towards
    // imageCountMoreThan, and on whether it can go in the same run as its list: it is neither counted
    // nor acted on. Reference artifacts are handled through their subject (followSubjects).
    excluded: image.referencedByManifestList === true || image.subjectDigest !== undefined,
  };
}

function time(property: string, value: unknown): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail(WHERE, property, value, 'must be a valid date');
  return value.getTime();
}

/** Digests identify images, and a tag names at most one image of a repository. */
function checkUnique(candidates: Candidate[]): void {
  const digests = new Set<string>();
  const tags = new Map<string, string>();
  for (const c of candidates) {
    if (digests.has(c.image.digest)) fail(WHERE, 'images', c.image.digest, 'each digest can appear only once');
    digests.add(c.image.digest);
    for (const tag of c.tags) {
      const other = tags.get(tag);
      if (other !== undefined) {
        fail(WHERE, 'images', tag, `a tag names at most one image of a repository, but ${other} and ${c.image.digest} both carry it`);
      }
      tags.set(tag, c.image.digest);
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
