import {
  CustomLifecycleRuleProps,
  LifecycleAction,
  LifecycleCountType,
  LifecyclePolicy,
  LifecycleRule,
  LifecycleStorageClass,
  TagStatus,
} from '../../src';

/** The one rule of a policy holding only `rule`, as ECR receives it. */
function rendered(rule: LifecycleRule): unknown {
  return JSON.parse(new LifecyclePolicy({ rules: [rule] }).toJson()).rules[0];
}

describe('builders render the exact ECR JSON', () => {
  test('expireUntaggedAfter', () => {
    expect(rendered(LifecycleRule.expireUntaggedAfter(14))).toEqual({
      rulePriority: 1,
      description: 'Expire untagged images 14 days after push',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    });
  });

  test('keepNewest without a selection applies to any image', () => {
    expect(rendered(LifecycleRule.keepNewest(30))).toEqual({
      rulePriority: 1,
      description: 'Keep the newest 30 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
      action: { type: 'expire' },
    });
  });

  test('keepNewest with tag patterns', () => {
    expect(rendered(LifecycleRule.keepNewest(5, { tagPatterns: ['release-*', '*-arm64'], priority: 7, description: 'releases' }))).toEqual({
      rulePriority: 7,
      description: 'releases',
      selection: { tagStatus: 'tagged', tagPatternList: ['release-*', '*-arm64'], countType: 'imageCountMoreThan', countNumber: 5 },
      action: { type: 'expire' },
    });
  });

  test('keepNewest with tag prefixes', () => {
    expect(rendered(LifecycleRule.keepNewest(3, { tagPrefixes: ['pr-'] }))).toEqual({
      rulePriority: 1,
      description: 'Keep the newest 3 images with tag prefix pr-',
      selection: { tagStatus: 'tagged', tagPrefixList: ['pr-'], countType: 'imageCountMoreThan', countNumber: 3 },
      action: { type: 'expire' },
    });
  });

  test('expireTaggedAfter', () => {
    expect(rendered(LifecycleRule.expireTaggedAfter(30, { tagPatterns: ['dev-*'] }))).toEqual({
      rulePriority: 1,
      description: 'Expire images tagged dev-* 30 days after push',
      selection: { tagStatus: 'tagged', tagPatternList: ['dev-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
      action: { type: 'expire' },
    });
  });

  test('archiveAfterDaysSinceLastPull', () => {
    expect(rendered(LifecycleRule.archiveAfterDaysSinceLastPull(90))).toEqual({
      rulePriority: 1,
      description: 'Archive images not pulled for 90 days',
      selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
      action: { type: 'transition', targetStorageClass: 'archive' },
    });
  });

  test('archiveAfterDaysSinceLastPull with prefixes', () => {
    expect(rendered(LifecycleRule.archiveAfterDaysSinceLastPull(60, { tagPrefixes: ['v'] }))).toEqual({
      rulePriority: 1,
      description: 'Archive images with tag prefix v not pulled for 60 days',
      selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 60 },
      action: { type: 'transition', targetStorageClass: 'archive' },
    });
  });

  test('expireArchivedAfter', () => {
    expect(rendered(LifecycleRule.expireArchivedAfter(365))).toEqual({
      rulePriority: 1,
      description: 'Expire archived images 365 days after archiving',
      selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
      action: { type: 'expire' },
    });
  });

  test('custom renders every field, and storageClass only when not standard', () => {
    expect(rendered(LifecycleRule.custom({
      tagStatus: TagStatus.TAGGED,
      tagPrefixList: ['nightly'],
      countType: LifecycleCountType.SINCE_IMAGE_PUSHED,
      countNumber: 10,
      action: LifecycleAction.TRANSITION,
      storageClass: LifecycleStorageClass.STANDARD,
      description: 'archive nightly builds after ten days',
    }))).toEqual({
      rulePriority: 1,
      description: 'archive nightly builds after ten days',
      selection: { tagStatus: 'tagged', tagPrefixList: ['nightly'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 10 },
      action: { type: 'transition', targetStorageClass: 'archive' },
    });
  });

  test('withPriority copies the rule; toProps round-trips through custom()', () => {
    const rule = LifecycleRule.keepNewest(5, { tagPatterns: ['a*'] });
    expect(rule.withPriority(9).priority).toBe(9);
    expect(rule.priority).toBeUndefined();
    expect(LifecycleRule.custom(rule.toProps())).toEqual(rule);
    expect(rule.countsDays).toBe(false);
    expect(LifecycleRule.expireUntaggedAfter(1).countsDays).toBe(true);
  });

  test('lists are copied, so later changes to the caller\'s array do not change the rule', () => {
    const patterns = ['a*'];
    const rule = LifecycleRule.keepNewest(5, { tagPatterns: patterns });
    patterns.push('b*');
    expect(rule.tagPatternList).toEqual(['a*']);
  });
});

describe('one failing input per validation rule (message names property, value and rule)', () => {
  const base: CustomLifecycleRuleProps = {
    tagStatus: TagStatus.TAGGED,
    tagPatternList: ['v*'],
    countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN,
    countNumber: 10,
  };
  const custom = (overrides: Partial<CustomLifecycleRuleProps>) => () => LifecycleRule.custom({ ...base, ...overrides });

  test.each<[string, Partial<CustomLifecycleRuleProps>, RegExp]>([
    ['priority below 1', { priority: 0 }, /invalid priority 0: must be an integer >= 1/],
    ['priority not an integer', { priority: 1.5 }, /invalid priority 1.5: must be an integer >= 1/],
    ['countNumber 0', { countNumber: 0 }, /invalid countNumber 0: must be an integer >= 1/],
    ['countNumber not an integer', { countNumber: 2.5 }, /invalid countNumber 2.5: must be an integer >= 1/],
    ['description too long', { description: 'x'.repeat(2049) }, /invalid description "x+": must be 0-2048 characters long \(got 2049\)/],
    ['tagStatus unknown', { tagStatus: 'all' as TagStatus }, /invalid tagStatus "all": must be one of tagged, untagged, any/],
    ['storageClass unknown', { storageClass: 'glacier' as LifecycleStorageClass }, /invalid storageClass "glacier": must be one of standard, archive/],
    ['countType unknown', { countType: 'sinceImageBuilt' as LifecycleCountType }, /invalid countType "sinceImageBuilt": must be one of/],
    ['action unknown', { action: 'delete' as LifecycleAction }, /invalid action "delete": must be one of expire, transition/],
    ['tagged without a list', { tagPatternList: undefined }, /invalid tagStatus "tagged": tagged rules need a tagPatternList or a tagPrefixList/],
    ['tagged with an empty list', { tagPatternList: [] }, /invalid tagStatus "tagged": tagged rules need a tagPatternList or a tagPrefixList/],
    ['both lists', { tagPrefixList: ['v'] }, /invalid tagPrefixList \["v"\]: a rule takes a tagPatternList or a tagPrefixList, not both/],
    ['untagged with a list', { tagStatus: TagStatus.UNTAGGED }, /invalid tagPatternList \["v\*"\]: untagged rules cannot have tag lists/],
    ['any with a prefix list', { tagStatus: TagStatus.ANY, tagPatternList: undefined, tagPrefixList: ['v'] }, /invalid tagPrefixList \["v"\]: any rules cannot have tag lists/],
    ['pattern with a space', { tagPatternList: ['git hash'] }, /invalid tagPatternList "git hash": tag patterns are 1-128 characters/],
    ['empty pattern', { tagPatternList: [''] }, /invalid tagPatternList "": tag patterns are 1-128 characters/],
    ['pattern too long', { tagPatternList: ['a'.repeat(129)] }, /invalid tagPatternList "a+": tag patterns are 1-128 characters/],
    ['five wildcards', { tagPatternList: ['test*1*2*3*4*5*6'] }, /invalid tagPatternList "test\*1\*2\*3\*4\*5\*6": a tag pattern can have at most 4 \* wildcards \(has 6\)/],
    ['prefix with a wildcard', { tagPatternList: undefined, tagPrefixList: ['v*'] }, /invalid tagPrefixList "v\*": tag prefixes are 1-128 characters .* \(use tagPatternList for wildcards\)/],
    ['archive class counting images', { storageClass: LifecycleStorageClass.ARCHIVE }, /invalid countType "imageCountMoreThan": rules on the archive storage class count days sinceImageTransitioned/],
    ['sinceImageTransitioned on standard', { countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED, countNumber: 100 }, /invalid countType "sinceImageTransitioned": sinceImageTransitioned applies only to the archive storage class/],
    ['archive class with transition', {
      storageClass: LifecycleStorageClass.ARCHIVE,
      countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED,
      countNumber: 100,
      action: LifecycleAction.TRANSITION,
    }, /invalid action "transition": archived images can only be expired/],
    ['sinceImagePulled with expire', { countType: LifecycleCountType.SINCE_IMAGE_PULLED }, /invalid countType "sinceImagePulled": sinceImagePulled is only accepted with the transition action/],
    ['archive expiry under 90 days', {
      storageClass: LifecycleStorageClass.ARCHIVE, countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED, countNumber: 89,
    }, /invalid countNumber 89: ECR keeps archived images at least 90 days/],
  ])('%s', (_name, overrides, expected) => {
    expect(custom(overrides)).toThrow(expected);
    expect(custom(overrides)).toThrow(/^LifecycleRule\.custom: invalid /);
  });

  test('the documented four-wildcard patterns are accepted', () => {
    expect(() => LifecycleRule.keepNewest(1, { tagPatterns: ['*test*1*2*3', 'test*1*2*3*'] })).not.toThrow();
  });

  test('expireTaggedAfter needs patterns or prefixes', () => {
    expect(() => LifecycleRule.expireTaggedAfter(3, {}))
      .toThrow(/^LifecycleRule\.expireTaggedAfter: invalid options \{\}: give tagPatterns or tagPrefixes/);
  });

  test('builders reject patterns and prefixes together', () => {
    expect(() => LifecycleRule.keepNewest(3, { tagPatterns: ['a*'], tagPrefixes: ['a'] }))
      .toThrow(/^LifecycleRule\.keepNewest: invalid tagPrefixes \["a"\]: give tagPatterns or tagPrefixes, not both/);
  });

  test('builders name themselves in the message', () => {
    expect(() => LifecycleRule.expireUntaggedAfter(0)).toThrow(/^LifecycleRule\.expireUntaggedAfter: invalid countNumber 0/);
    expect(() => LifecycleRule.expireArchivedAfter(30)).toThrow(/^LifecycleRule\.expireArchivedAfter: invalid countNumber 30/);
    expect(() => LifecycleRule.archiveAfterDaysSinceLastPull(-1)).toThrow(/^LifecycleRule\.archiveAfterDaysSinceLastPull: invalid countNumber -1/);
  });
});
