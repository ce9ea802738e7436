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
 * undefined when none can, whatever the other images of the repository.
 *
 * ECR closes an image to every lower-priority rule once a rule's tag selection matches it, so in each
 * storage class only the first matching rule matters. That rule cannot act when it selects no image
 * but this one (every pattern of its list is exactly `tag`) and keeps at least one image by count,
 * or when its age limit is at least 100 years. Any other first matching rule can act on some history.
 *
 * @param rules the rules with their final priorities (`LifecyclePolicy.resolvedRules()`)
 * @param tag the image's tag; undefined for an image known only by digest, taken as untagged
 */
export function ruleThatCanAct(rules: LifecycleRule[], tag: string | undefined): LifecycleRule | undefined {
  const tags = tag === undefined ? [] : [tag];
  const ordered = [...rules].sort((a, b) => a.priority! - b.priority!);
  for (const storageClass of [LifecycleStorageClass.STANDARD, LifecycleStorageClass.ARCHIVE]) {
    const first = ordered.find(r => r.storageClass === storageClass && matchesTags(r, tags));
    if (first && !neverFires(first, tag)) return first;
  }
  return undefined;
}

function neverFires(rule: LifecycleRule, tag: string | undefined): boolean {
  if (rule.countType !== LifecycleCountType.IMAGE_COUNT_MORE_THAN) return rule.countNumber >= NEVER_DAYS;
  const onlyThisImage = tag !== undefined && rule.tagStatus === TagStatus.TAGGED &&
    rule.tagPatternList !== undefined && rule.tagPatternList.every(p => p === tag);
  return onlyThisImage && rule.countNumber >= 1;
}
