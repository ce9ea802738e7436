import * as fc from 'fast-check';
import {
  CustomLifecycleRuleProps,
  LifecycleAction,
  LifecycleCountType,
  LifecycleImage,
  LifecyclePolicy,
  LifecycleRule,
  LifecycleStorageClass,
  TagStatus,
} from '../../src';

/*
 * Generators shared by the lifecycle property tests. Tags come from a small vocabulary so that
 * patterns, prefixes and protected tags overlap often.
 */

export const NOW = new Date('2025-06-01T00:00:00Z');
export const DAY = 86_400_000;

const STEMS = ['v1', 'v2', 'prod', 'dev', 'release', 'pr', 'latest', 'main'];
const SUFFIXES = ['', '-1', '-2', '.0', '.1', '-arm64', '-rc1'];

export const arbTag = fc.tuple(fc.constantFrom(...STEMS), fc.constantFrom(...SUFFIXES)).map(([a, b]) => a + b);

/** A tag pattern: a tag with some characters replaced by `*` (at most four). */
export const arbPattern = fc.tuple(arbTag, fc.array(fc.nat(12), { maxLength: 4 }), fc.boolean()).map(([tag, cuts, trailing]) => {
  const chars = tag.split('');
  for (const cut of cuts) if (cut < chars.length) chars[cut] = '*';
  let pattern = chars.join('').replace(/\*+/g, '*');
  if (trailing && (pattern.split('*').length - 1) < 4 && !pattern.endsWith('*')) pattern += '*';
  return pattern;
});

export const arbPrefix = fc.tuple(arbTag, fc.nat(6)).map(([tag, n]) => tag.slice(0, Math.max(1, tag.length - n)));

/** Props of one valid rule (without a priority). */
export const arbRuleProps: fc.Arbitrary<CustomLifecycleRuleProps> = fc.record({
  selection: fc.oneof(
    { arbitrary: fc.constant({ tagStatus: TagStatus.ANY }), weight: 1 },
    { arbitrary: fc.constant({ tagStatus: TagStatus.UNTAGGED }), weight: 1 },
    { arbitrary: fc.array(arbPattern, { minLength: 1, maxLength: 2 }).map(p => ({ tagStatus: TagStatus.TAGGED, tagPatternList: p })), weight: 3 },
    { arbitrary: fc.array(arbPrefix, { minLength: 1, maxLength: 2 }).map(p => ({ tagStatus: TagStatus.TAGGED, tagPrefixList: p })), weight: 2 },
  ),
  kind: fc.constantFrom('count', 'count-archive', 'pushed', 'pushed-archive', 'pulled', 'archived'),
  count: fc.integer({ min: 1, max: 6 }),
  days: fc.integer({ min: 1, max: 400 }),
  archiveDays: fc.integer({ min: 90, max: 500 }),
  description: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
}).map(({ selection, kind, count, days, archiveDays, description }) => {
  const base = { ...selection, description };
  switch (kind) {
    case 'count': return { ...base, countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN, countNumber: count };
    case 'count-archive': return { ...base, countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN, countNumber: count, action: LifecycleAction.TRANSITION };
    case 'pushed': return { ...base, countType: LifecycleCountType.SINCE_IMAGE_PUSHED, countNumber: days };
    case 'pushed-archive': return { ...base, countType: LifecycleCountType.SINCE_IMAGE_PUSHED, countNumber: days, action: LifecycleAction.TRANSITION };
    case 'pulled': return { ...base, countType: LifecycleCountType.SINCE_IMAGE_PULLED, countNumber: days, action: LifecycleAction.TRANSITION };
    default: return {
      ...base, storageClass: LifecycleStorageClass.ARCHIVE, countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED, countNumber: archiveDays,
    };
  }
});

/**
 * A list of rules a policy accepts: at most one untagged and one any rule per storage class, distinct
 * tag lists, some explicit priorities on rules that are not `any` rules.
 */
export const arbRules: fc.Arbitrary<LifecycleRule[]> = fc.array(
  fc.tuple(arbRuleProps, fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined, freq: 3 })),
  { minLength: 1, maxLength: 8 },
).map(entries => {
  const seen = new Set<string>();
  const priorities = new Set<number>();
  const rules: LifecycleRule[] = [];
  for (const [props, priority] of entries) {
    const storage = props.storageClass ?? LifecycleStorageClass.STANDARD;
    const list = props.tagPatternList ?? props.tagPrefixList;
    const key = list ? `${storage}:${props.tagPatternList ? 'p' : 'x'}:${JSON.stringify([...new Set(list)].sort())}` : `${storage}:${props.tagStatus}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const explicit = priority !== undefined && props.tagStatus !== TagStatus.ANY && !priorities.has(priority) ? priority : undefined;
    if (explicit !== undefined) priorities.add(explicit);
    rules.push(LifecycleRule.custom({ ...props, priority: explicit }));
  }
  return rules;
});

/** A policy of `rules` that protects `tags`, or undefined when the combination is not accepted. */
export function acceptedPolicy(rules: LifecycleRule[], tags: string[] = []): LifecyclePolicy | undefined {
  const policy = new LifecyclePolicy({ rules });
  for (const tag of tags) policy.protectTag(tag);
  return policy.validate().length === 0 ? policy : undefined;
}

interface ImageSeed {
  readonly tags: string[];
  readonly pushedHoursAgo: number;
  readonly pulledHoursAgo?: number;
  readonly archivedHoursAgo?: number;
  readonly restoredHoursAgo?: number;
  readonly archived: boolean;
  readonly sizeInBytes: number;
}

const arbImageSeed: fc.Arbitrary<ImageSeed> = fc.record({
  tags: fc.array(arbTag, { maxLength: 3 }),
  // Whole days half of the time, so that push times tie and ages fall on rule boundaries.
  pushedHoursAgo: fc.oneof(fc.integer({ min: 0, max: 600 }).map(d => d * 24), fc.integer({ min: 0, max: 600 * 24 })),
  pulledHoursAgo: fc.option(fc.integer({ min: 0, max: 600 * 24 }), { nil: undefined }),
  archivedHoursAgo: fc.option(fc.integer({ min: 0, max: 600 * 24 }), { nil: undefined }),
  restoredHoursAgo: fc.option(fc.integer({ min: 0, max: 100 * 24 }), { nil: undefined, freq: 6 }),
  archived: fc.boolean(),
  sizeInBytes: fc.integer({ min: 0, max: 2_000_000_000 }),
});

const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);

/** Turns seeds into images of one repository: unique digests, and each tag on at most one image. */
export function imagesFrom(seeds: ImageSeed[], used: Set<string> = new Set(), offset = 0): LifecycleImage[] {
  return seeds.map((seed, i) => {
    const tags = [...new Set(seed.tags)].filter(t => !used.has(t));
    tags.forEach(t => used.add(t));
    const archived = seed.archived && seed.restoredHoursAgo === undefined;
    return {
      digest: `sha256:${(offset + i).toString(16).padStart(64, '0')}`,
      tags,
      pushedAt: hoursAgo(seed.pushedHoursAgo),
      ...(seed.pulledHoursAgo !== undefined && seed.pulledHoursAgo <= seed.pushedHoursAgo ? { lastPulledAt: hoursAgo(seed.pulledHoursAgo) } : {}),
      ...(archived ? { storageClass: LifecycleStorageClass.ARCHIVE } : {}),
      ...(archived && seed.archivedHoursAgo !== undefined ? { transitionedAt: hoursAgo(Math.min(seed.archivedHoursAgo, seed.pushedHoursAgo)) } : {}),
      ...(seed.restoredHoursAgo !== undefined && seed.restoredHoursAgo <= seed.pushedHoursAgo ? { restoredAt: hoursAgo(seed.restoredHoursAgo) } : {}),
      sizeInBytes: seed.sizeInBytes,
    };
  });
}

export const arbImageSeeds = fc.array(arbImageSeed, { maxLength: 30 });
export const arbImageSeed1 = arbImageSeed;
export const arbImages = arbImageSeeds.map(seeds => imagesFrom(seeds));
/** Larger repositories, where rules on overlapping tags meet protected tags more often. */
export const arbBusyImages = fc.array(arbImageSeed, { minLength: 8, maxLength: 40 }).map(seeds => imagesFrom(seeds));

/**
 * The ECR lifecycle grammar, written out independently of the library from the "Lifecycle policy
 * properties" and "evaluation rules" pages: the violations of a rendered policy.
 */
export function ecrViolations(text: string): string[] {
  const out: string[] = [];
  if (text.length < 100 || text.length > 30_720) out.push('length');
  const { rules } = JSON.parse(text);
  if (!Array.isArray(rules) || rules.length < 1 || rules.length > 50) out.push('rule count');
  const priorities = rules.map((r: any) => r.rulePriority);
  if (new Set(priorities).size !== priorities.length) out.push('unique priorities');
  for (const r of rules) {
    const s = r.selection;
    const id = `rule ${r.rulePriority}`;
    if (!Number.isInteger(r.rulePriority) || r.rulePriority < 1) out.push(`${id}: priority`);
    if (Object.keys(r).some(k => !['rulePriority', 'description', 'selection', 'action'].includes(k))) out.push(`${id}: keys`);
    if (!['tagged', 'untagged', 'any'].includes(s.tagStatus)) out.push(`${id}: tagStatus`);
    const lists = ['tagPatternList', 'tagPrefixList'].filter(k => k in s);
    if (s.tagStatus === 'tagged' ? lists.length !== 1 : lists.length !== 0) out.push(`${id}: tag lists`);
    for (const p of s.tagPatternList ?? []) if (p.split('*').length - 1 > 4) out.push(`${id}: wildcards`);
    const storage = s.storageClass ?? 'standard';
    if (!['standard', 'archive'].includes(storage)) out.push(`${id}: storageClass`);
    const days = ['sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'].includes(s.countType);
    if (!days && s.countType !== 'imageCountMoreThan') out.push(`${id}: countType`);
    if (days ? s.countUnit !== 'days' : 'countUnit' in s) out.push(`${id}: countUnit`);
    if (!Number.isInteger(s.countNumber) || s.countNumber < 1) out.push(`${id}: countNumber`);
    if ((s.countType === 'sinceImageTransitioned') !== (storage === 'archive')) out.push(`${id}: archive needs sinceImageTransitioned`);
    if (s.countType === 'sinceImageTransitioned' && s.storageClass !== 'archive') out.push(`${id}: storageClass required`);
    if (storage === 'archive' && (r.action.type !== 'expire' || s.countNumber < 90)) out.push(`${id}: archive expiry`);
    if (s.countType === 'sinceImagePulled' && r.action.type !== 'transition') out.push(`${id}: sinceImagePulled`);
    if (!['expire', 'transition'].includes(r.action.type)) out.push(`${id}: action`);
    if ((r.action.type === 'transition') !== (r.action.targetStorageClass === 'archive')) out.push(`${id}: targetStorageClass`);
  }
  for (const storage of ['standard', 'archive']) {
    const inClass = rules.filter((r: any) => (r.selection.storageClass ?? 'standard') === storage);
    const last = Math.max(...inClass.map((r: any) => r.rulePriority));
    if (inClass.some((r: any) => r.selection.tagStatus === 'any' && r.rulePriority !== last)) out.push(`${storage}: any last`);
    if (inClass.filter((r: any) => r.selection.tagStatus === 'untagged').length > 1) out.push(`${storage}: one untagged`);
    const lists = inClass.filter((r: any) => r.selection.tagStatus === 'tagged')
      .map((r: any) => JSON.stringify([r.selection.tagPrefixList ? 'prefix' : 'pattern', [...new Set(r.selection.tagPrefixList ?? r.selection.tagPatternList)].sort()]));
    if (new Set(lists).size !== lists.length) out.push(`${storage}: unique tag lists`);
  }
  return out;
}
