import { Token } from 'aws-cdk-lib';
import {
  LifecycleCountType,
  LifecyclePolicy,
  LifecycleRule,
  LifecycleStorageClass,
  TagStatus,
} from '../../src';

const priorities = (policy: LifecyclePolicy) => policy.resolvedRules().map(r => [r.priority, r.description]);
const tagged = (pattern: string, options: { priority?: number } = {}) =>
  LifecycleRule.keepNewest(10, { tagPatterns: [pattern], description: pattern, ...options });

describe('priority assignment', () => {
  test('rules without priorities are numbered in the order they were added', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*'), tagged('b*')] });
    policy.addRule(tagged('c*'));
    expect(priorities(policy)).toEqual([[1, 'a*'], [2, 'b*'], [3, 'c*']]);
  });

  test('explicit priorities are kept and automatic ones come after the highest explicit one', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*'), tagged('b*', { priority: 5 }), tagged('c*')] });
    expect(priorities(policy)).toEqual([[5, 'b*'], [6, 'a*'], [7, 'c*']]);
  });

  test('any rules without a priority come last, whatever the order they were added in', () => {
    const policy = new LifecyclePolicy({
      rules: [LifecycleRule.keepNewest(100, { description: 'any' }), tagged('a*'), LifecycleRule.expireUntaggedAfter(3, { description: 'untagged' })],
    });
    expect(priorities(policy)).toEqual([[1, 'a*'], [2, 'untagged'], [3, 'any']]);
  });

  test('an automatic any rule also comes after explicit priorities', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(100, { description: 'any' }), tagged('a*', { priority: 20 })] });
    expect(priorities(policy)).toEqual([[20, 'a*'], [21, 'any']]);
  });

  test('an any rule with an explicit priority below another rule of its storage class is an error', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(100, { priority: 1, description: 'any' }), tagged('a*', { priority: 2 })] });
    expect(policy.validate()).toEqual([
      'LifecyclePolicy: invalid priority 1: the tagStatus any rule "any" must have a higher priority number than every other standard rule, ' +
      'but "a*" has 2; give the any rule the highest priority or leave priorities unset',
    ]);
    expect(() => policy.toJson()).toThrow(/invalid priority 1: the tagStatus any rule "any" must have a higher priority number/);
  });

  test('the any rule is checked per storage class (the documented archive example)', () => {
    const policy = new LifecyclePolicy({
      rules: [
        LifecycleRule.archiveAfterDaysSinceLastPull(30, { priority: 1 }),
        LifecycleRule.expireArchivedAfter(365, { priority: 2 }),
      ],
    });
    expect(policy.validate()).toEqual([]);
    // A standard-class rule after the archive-class any rule is fine; one after the standard any rule is not.
    policy.addRule(tagged('a*', { priority: 3 }));
    expect(policy.validate()).toHaveLength(1);
    expect(policy.validate()[0]).toMatch(/invalid priority 1: the tagStatus any rule "Archive images not pulled for 30 days" must have a higher priority number than every other standard rule/);
  });

  test('a second any rule in a storage class is an error', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(100), LifecycleRule.archiveAfterDaysSinceLastPull(90)] });
    expect(policy.validate()).toEqual([expect.stringMatching(
      /^LifecyclePolicy: invalid priority 1: the tagStatus any rule "Keep the newest 100 images" .* a storage class can have only one any rule/)]);
  });

  test('a duplicate explicit priority is rejected when the rule is added', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*', { priority: 2 })] });
    expect(() => policy.addRule(tagged('b*', { priority: 2 })))
      .toThrow('LifecyclePolicy.addRule: invalid priority 2: priority 2 is already used by rule "a*"; rule priorities must be unique');
  });

  test('rules are returned without priorities; resolvedRules sorts by priority', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*', { priority: 9 }), tagged('b*', { priority: 3 })] });
    expect(policy.rules.map(r => r.priority)).toEqual([9, 3]);
    expect(policy.resolvedRules().map(r => r.priority)).toEqual([3, 9]);
  });
});

describe('protected tags', () => {
  test('protection rules come first, and rules starting at 1 shift up by the number of protections', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*'), tagged('b*')] });
    policy.protectTag('v1.2.3', 'ApiTask');
    policy.protectTag('v2.0.0');
    const rules = policy.resolvedRules();
    expect(rules.map(r => [r.priority, r.tagPatternList])).toEqual([[1, ['v1.2.3']], [2, ['v2.0.0']], [3, ['a*']], [4, ['b*']]]);
    expect(JSON.parse(policy.toJson()).rules[0]).toEqual({
      rulePriority: 1,
      description: 'Protect tag v1.2.3 (ApiTask): selecting it here stops lower-priority rules; this rule never fires',
      selection: { tagStatus: 'tagged', tagPatternList: ['v1.2.3'], countType: 'imageCountMoreThan', countNumber: 1000 },
      action: { type: 'expire' },
    });
  });

  test('explicit priorities above the protections are kept as they are', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*', { priority: 10 }), tagged('b*', { priority: 11 })] });
    policy.protectTag('v1');
    expect(policy.resolvedRules().map(r => r.priority)).toEqual([1, 10, 11]);
  });

  test('explicit priorities that overlap the protections all move up by the same amount, keeping their order and gaps', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*', { priority: 2 }), tagged('b*', { priority: 5 })] });
    policy.protectTag('v1');
    policy.protectTag('v2');
    policy.protectTag('v3');
    expect(priorities(policy).map(([p]) => p)).toEqual([1, 2, 3, 4, 7]);
  });

  test('protecting a tag twice keeps one rule; a later reason replaces the first one', () => {
    const policy = new LifecyclePolicy({ rules: [tagged('a*')] });
    policy.protectTag('v1', 'first');
    policy.protectTag('v1');
    expect(policy.resolvedRules()[0].description).toMatch(/\(first\)/);
    policy.protectTag('v1', 'second');
    expect(policy.protectedTags).toEqual(['v1']);
    expect(policy.resolvedRules()[0].description).toMatch(/\(second\)/);
  });

  test('archive-class rules get an archive-class protection rule per protected tag', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.archiveAfterDaysSinceLastPull(30), LifecycleRule.expireArchivedAfter(90)] });
    policy.protectTag('v1');
    const rules = JSON.parse(policy.toJson()).rules;
    expect(rules.map((r: any) => [r.rulePriority, r.selection.storageClass ?? 'standard', r.selection.tagStatus])).toEqual([
      [1, 'standard', 'tagged'], [2, 'archive', 'tagged'], [3, 'standard', 'any'], [4, 'archive', 'any'],
    ]);
    expect(rules[1].selection).toEqual({
      tagStatus: 'tagged', tagPatternList: ['v1'], storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 36500,
    });
  });

  test('an invalid tag is rejected', () => {
    expect(() => new LifecyclePolicy().protectTag('-bad'))
      .toThrow('LifecyclePolicy.protectTag: invalid tag "-bad": image tags are 1-128 characters of letters, digits, _, . and -, and cannot start with . or -');
    expect(() => new LifecyclePolicy().protectTag('v*'))
      .toThrow(/invalid tag "v\*": image tags are 1-128 characters/);
  });

  test('a token tag is rejected (it must be written into the policy text)', () => {
    expect(() => new LifecyclePolicy().protectTag(Token.asString({ Ref: 'Tag' })))
      .toThrow(/^LifecyclePolicy\.protectTag: invalid tag "\$\{Token\[.*\]\}": a protected tag must be known at synth time/);
  });

  test('a policy with only protected tags renders their rules', () => {
    const policy = new LifecyclePolicy();
    policy.protectTag('v1');
    expect(policy.isEmpty).toBe(false);
    expect(JSON.parse(policy.toJson()).rules).toHaveLength(1);
  });
});

describe('checks between rules', () => {
  test('a second untagged rule in a storage class is an error', () => {
    const policy = new LifecyclePolicy({
      rules: [
        LifecycleRule.expireUntaggedAfter(14),
        LifecycleRule.custom({ tagStatus: TagStatus.UNTAGGED, countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN, countNumber: 5, description: 'five untagged' }),
      ],
    });
    expect(policy.validate()).toEqual([
      'LifecyclePolicy: invalid tagStatus "untagged": only one standard rule can select untagged images, but ' +
      '"Expire untagged images 14 days after push" (priority 1) and "five untagged" (priority 2) both do; merge them into one rule',
    ]);
  });

  test('untagged and any rules together are fine (the documented "all rule types" example)', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(1), LifecycleRule.keepNewest(1)] });
    expect(policy.validate()).toEqual([]);
  });

  test('two rules of a storage class with the same tag list are an error (order and repeats do not matter)', () => {
    const policy = new LifecyclePolicy({
      rules: [
        LifecycleRule.keepNewest(10, { tagPatterns: ['a*', 'b*'], description: 'first' }),
        LifecycleRule.expireTaggedAfter(30, { tagPatterns: ['b*', 'a*', 'a*'], description: 'second' }),
      ],
    });
    expect(policy.validate()).toEqual([
      'LifecyclePolicy: invalid tagPatternList ["b*","a*","a*"]: "first" (priority 1) already selects the same standard tags; ' +
      'rules of a storage class need distinct tag lists, and "second" (priority 2) could never act',
    ]);
  });

  test('the same tag list as a prefix list and as a pattern list, or in another storage class, is fine', () => {
    const policy = new LifecyclePolicy({
      rules: [
        LifecycleRule.keepNewest(10, { tagPrefixes: ['a'] }),
        LifecycleRule.expireTaggedAfter(30, { tagPatterns: ['a'] }),
        LifecycleRule.expireArchivedAfter(100, { tagPrefixes: ['a'] }),
      ],
    });
    expect(policy.validate()).toEqual([]);
  });

  test('protecting a tag that a rule selects exactly is reported (that rule could never act)', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(3, { tagPatterns: ['stable'], description: 'stable' })] });
    policy.protectTag('stable');
    expect(policy.validate()).toEqual([expect.stringMatching(/invalid tagPatternList \["stable"\]: "Protect tag stable .*" \(priority 1\) already selects the same standard tags/)]);
  });
});

describe('repositories that share baseline rules', () => {
  test('rules found valid together are not checked again, and an invalid sequence of the same rules is still refused', () => {
    const shared = [LifecycleRule.expireUntaggedAfter(14), LifecycleRule.keepNewest(100)];
    const secondUntagged = LifecycleRule.custom({
      tagStatus: TagStatus.UNTAGGED, countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN, countNumber: 5,
    });
    for (const owner of ['Test/RepoA', 'Test/RepoB']) new LifecyclePolicy({ rules: shared })._attach(owner);
    expect(() => new LifecyclePolicy({ rules: [...shared.slice(0, 1), secondUntagged, ...shared.slice(1)] })._attach('Test/RepoC'))
      .toThrow(/^Test\/RepoC: invalid tagStatus "untagged": only one standard rule can select untagged images/);
    const attached = new LifecyclePolicy({ rules: shared });
    attached._attach('Test/RepoD');
    // A rule added later is still checked at once on a policy attached without a check.
    expect(() => attached.addRule(secondUntagged)).toThrow(/^Test\/RepoD: invalid tagStatus "untagged"/);
  });
});

describe('policy size and rule count', () => {
  test('at most 50 rules, protections included', () => {
    const policy = new LifecyclePolicy({ rules: Array.from({ length: 48 }, (_, i) => LifecycleRule.keepNewest(1, { tagPrefixes: [`p${i}-`] })) });
    policy.protectTag('v1');
    policy.protectTag('v2');
    expect(policy.validate()).toEqual([]);
    policy.protectTag('v3');
    expect(policy.validate()).toEqual([
      'LifecyclePolicy: invalid rules 51: ECR accepts at most 50 rules per lifecycle policy (3 of them protect deployed tags)',
    ]);
  });

  test('the smallest rule the builders can make already renders more than 100 characters (the lower bound is checked by fromJson)', () => {
    const smallest = LifecycleRule.custom({ tagStatus: TagStatus.ANY, countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN, countNumber: 1 });
    expect(new LifecyclePolicy({ rules: [smallest] }).toJson().length).toBeGreaterThanOrEqual(100);
  });

  test('the policy text must be at most 30,720 characters', () => {
    const long = 'x'.repeat(2000);
    const policy = new LifecyclePolicy({ rules: Array.from({ length: 16 }, (_, i) => LifecycleRule.keepNewest(1, { tagPrefixes: [`p${i}`], description: long })) });
    expect(policy.validate()).toEqual([expect.stringMatching(/^LifecyclePolicy: invalid policy text "3\d{4} characters": ECR lifecycle policy text must be 100-30720 characters$/)]);
    const fits = new LifecyclePolicy({ rules: Array.from({ length: 14 }, (_, i) => LifecycleRule.keepNewest(1, { tagPrefixes: [`p${i}`], description: long })) });
    expect(fits.validate()).toEqual([]);
  });

  test('an empty policy validates (there is nothing to render) but cannot be rendered', () => {
    const policy = new LifecyclePolicy();
    expect(policy.isEmpty).toBe(true);
    expect(policy.validate()).toEqual([]);
    expect(() => policy.toJson()).toThrow('LifecyclePolicy: invalid rules []: a lifecycle policy needs at least one rule');
  });

  test('validate prefixes each message with the label it is given', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(1), LifecycleRule.keepNewest(2)] });
    expect(policy.validate('Stack/Repo')[0]).toMatch(/^Stack\/Repo: invalid priority 1/);
  });
});

describe('evaluate', () => {
  test('an empty policy keeps everything', () => {
    expect(new LifecyclePolicy().evaluate([{ digest: 'sha256:a', pushedAt: new Date(0) }])).toEqual([]);
  });

  test('an invalid policy is not evaluated', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(1), LifecycleRule.keepNewest(2)] });
    expect(() => policy.evaluate([])).toThrow(/^LifecyclePolicy\.evaluate: invalid priority 1/);
  });

  test('now defaults to the current time', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(1)] });
    const results = policy.evaluate([
      { digest: 'sha256:old', pushedAt: new Date(Date.now() - 2 * 86_400_000) },
      { digest: 'sha256:new', pushedAt: new Date() },
    ]);
    expect(results.map(r => r.digest)).toEqual(['sha256:old']);
  });

  test('archive storage class values are accepted on images', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireArchivedAfter(90)] });
    const now = new Date('2025-01-01T00:00:00Z');
    const results = policy.evaluate([{
      digest: 'sha256:a', pushedAt: new Date('2023-01-01T00:00:00Z'), storageClass: LifecycleStorageClass.ARCHIVE, transitionedAt: new Date('2024-01-01T00:00:00Z'),
    }], now);
    expect(results).toHaveLength(1);
  });
});
