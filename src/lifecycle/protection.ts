import { matchesTags } from './evaluator';
import { LifecycleCountType, LifecycleRule, LifecycleStorageClass, TagStatus } from './lifecycle-rule';

/*
 * Whether a lifecycle policy can ever act on one image, decided from the rules alone (no image
 * history): the question the app-wide check asks of every deployed image. Internal to the library.
 */

/** Days beyond which an age rule is taken to never fire (the archive-class protection rules use 100 years). */
const NEVER_DAYS = 36_500;

/**
 * The rule that can expire or archive an image carrying `tag` (in either storage class), or
 * undefined when none can, whatever the other images of the repository and whatever other tags the
 * image carries.
 *
 * ECR closes an image to every lower-priority rule once a rule's tag selection matches it, so in each
 * storage class only the rules up to the first one that matches `tag` matter. That first rule cannot
 * act when it selects at most one image (every entry of its pattern list is an exact tag) and keeps
 * at least one by count, or when its age limit is at least 100 years. A tagged rule before it can act
 * through another tag of the image, unless it also selects at most one image.
 *
 * @param rules the rules with their final priorities (`LifecyclePolicy.resolvedRules()`)
 * @param tag the image's tag; undefined for an image seen without tags (pulled by digest into a cache)
 */
export function ruleThatCanAct(rules: LifecycleRule[], tag: string | undefined): LifecycleRule | undefined {
  const tags = tag === undefined ? [] : [tag];
  const ordered = [...rules].sort((a, b) => a.priority! - b.priority!);
  for (const storageClass of [LifecycleStorageClass.STANDARD, LifecycleStorageClass.ARCHIVE]) {
    for (const rule of ordered.filter(r => r.storageClass === storageClass)) {
      if (matchesTags(rule, tags)) {
        if (!neverFires(rule)) return rule;
        break;
      }
      // An image with a tag may carry others, which this rule may select.
      if (tag !== undefined && rule.tagStatus === TagStatus.TAGGED && !neverFires(rule)) return rule;
    }
  }
  return undefined;
}

/** Whether a rule can never act: it selects at most one image and keeps one by count, or waits 100 years. */
function neverFires(rule: LifecycleRule): boolean {
  if (rule.countType !== LifecycleCountType.IMAGE_COUNT_MORE_THAN) return rule.countNumber >= NEVER_DAYS;
  // A tag names one image, so a list of exact tags (all of which an image must carry) selects at most one.
  const atMostOne = rule.tagStatus === TagStatus.TAGGED && rule.tagPatternList !== undefined && rule.tagPatternList.every(p => !p.includes('*'));
  return atMostOne && rule.countNumber >= 1;
}
