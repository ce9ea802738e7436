import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { arbBusyImages, arbRules, arbTag, NOW } from './arbitraries';
import { LifecycleCountType, LifecyclePolicy, LifecycleRule, LifecycleStorageClass, SecureRepository } from '../../src';

/** Rule sets that always include count rules on overlapping patterns and archive transitions. */
const arbRuleSets = fc.tuple(arbRules, fc.constantFrom(
  [LifecycleRule.keepNewest(1, { tagPatterns: ['v*'] }), LifecycleRule.keepNewest(2, { tagPatterns: ['*.*'] }), LifecycleRule.keepNewest(1, { tagPrefixes: ['v1'] })],
  [LifecycleRule.archiveAfterDaysSinceLastPull(1), LifecycleRule.expireArchivedAfter(90)],
  [LifecycleRule.custom({ tagStatus: 'tagged' as any, tagPatternList: ['*'], countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN, countNumber: 1, action: 'transition' as any })],
  [],
)).map(([generated, fixed]) => [...fixed, ...generated]);

/** The lifecycle policy text of the stack's only repository, as CloudFormation receives it. */
function policyText(stack: Stack): string {
  const repositories = Template.fromStack(stack).findResources('AWS::ECR::Repository');
  const [repository] = Object.values(repositories);
  const text = repository.Properties.LifecyclePolicy.LifecyclePolicyText;
  expect(typeof text).toBe('string');
  return text;
}

describe('SecureRepository.protectTag()', () => {
  // Each run synthesizes a stack; the CloudFormation rule validator aws-cdk-lib runs on every synth is
  // other tests' business and takes most of the time here, so it is off for this file only.
  const validation = process.env.CDK_VALIDATION;
  beforeAll(() => { process.env.CDK_VALIDATION = 'false'; });
  afterAll(() => {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
  });

  test('holds for any rule set the library accepts: the synthesized policy never expires or archives a protected tag', () => {
    let protectedImagesSeen = 0;
    let archiveRuleSets = 0;
    fc.assert(fc.property(arbRuleSets, arbBusyImages, fc.array(arbTag, { minLength: 1, maxLength: 3 }), (rules, images, extraTags) => {
      const carried = images.flatMap(i => i.tags ?? []);
      const protectedTags = [...new Set([...carried.filter((_, i) => i % 2 === 0), ...extraTags])];

      // Only rule sets the library accepts: the same checks run at synth through node.addValidation.
      const check = new LifecyclePolicy({ rules });
      protectedTags.forEach(t => check.protectTag(t));
      fc.pre(rules.length > 0 && check.validate().length === 0);

      const stack = new Stack(new App(), 'Stack');
      const repository = new SecureRepository(stack, 'Repo', { lifecycleRules: rules });
      protectedTags.forEach(t => repository.protectTag(t, 'deployed'));

      const policy = LifecyclePolicy.fromJson(policyText(stack));
      const results = policy.evaluate(images, NOW);
      expect(results.filter(r => r.tags.some(t => protectedTags.includes(t)))).toEqual([]);

      protectedImagesSeen += images.filter(i => i.tags?.some(t => protectedTags.includes(t))).length;
      if (rules.some(r => r.storageClass === LifecycleStorageClass.ARCHIVE)) archiveRuleSets++;
    }), { numRuns: 60 });
    expect(protectedImagesSeen).toBeGreaterThan(100);
    expect(archiveRuleSets).toBeGreaterThan(5);
  });

  test('the default baseline rules never expire a protected tag, even when it is the oldest of many', () => {
    const stack = new Stack(new App(), 'Stack');
    const repository = new SecureRepository(stack, 'Repo');
    repository.protectTag('v1.0.0');
    const day = 86_400_000;
    const images = Array.from({ length: 150 }, (_, i) => ({
      digest: `sha256:${i.toString(16).padStart(64, '0')}`,
      tags: [i === 0 ? 'v1.0.0' : `build-${i}`],
      pushedAt: new Date(NOW.getTime() - (200 - i) * day),
    }));
    const results = LifecyclePolicy.fromJson(policyText(stack)).evaluate(images, NOW);
    expect(results).toHaveLength(49);
    expect(results.some(r => r.tags.includes('v1.0.0'))).toBe(false);
    expect(results.every(r => r.rulePriority === 3)).toBe(true);
  });
});
