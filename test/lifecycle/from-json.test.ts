import { LifecycleAction, LifecycleCountType, LifecyclePolicy, LifecycleRule, LifecycleStorageClass, TagStatus } from '../../src';

const untaggedRule = {
  rulePriority: 1,
  description: 'Expire untagged images older than 14 days',
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
  action: { type: 'expire' },
};
const archiveRule = {
  rulePriority: 2,
  description: 'Archive release images not pulled for 90 days',
  selection: { tagStatus: 'tagged', tagPrefixList: ['release-'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
  action: { type: 'transition', targetStorageClass: 'archive' },
};

/** Policy text with rule 1 (index 1, rulePriority 2) changed by `change`. */
function withSecondRule(change: (rule: any) => void): string {
  const second = JSON.parse(JSON.stringify(archiveRule));
  change(second);
  return JSON.stringify({ rules: [untaggedRule, second] });
}

describe('LifecyclePolicy.fromJson', () => {
  test('parses rules with their priorities, storage class and actions', () => {
    const policy = LifecyclePolicy.fromJson(JSON.stringify({ rules: [archiveRule, untaggedRule] }));
    expect(policy.rules.map(r => r.toProps())).toEqual([
      {
        priority: 2,
        description: archiveRule.description,
        tagStatus: TagStatus.TAGGED,
        tagPatternList: undefined,
        tagPrefixList: ['release-'],
        storageClass: LifecycleStorageClass.STANDARD,
        countType: LifecycleCountType.SINCE_IMAGE_PULLED,
        countNumber: 90,
        action: LifecycleAction.TRANSITION,
      },
      {
        priority: 1,
        description: untaggedRule.description,
        tagStatus: TagStatus.UNTAGGED,
        tagPatternList: undefined,
        tagPrefixList: undefined,
        storageClass: LifecycleStorageClass.STANDARD,
        countType: LifecycleCountType.SINCE_IMAGE_PUSHED,
        countNumber: 14,
        action: LifecycleAction.EXPIRE,
      },
    ]);
    expect(JSON.parse(policy.toJson())).toEqual({ rules: [untaggedRule, archiveRule] });
  });

  test('round-trips what the builders render', () => {
    const policy = new LifecyclePolicy({
      rules: [
        LifecycleRule.expireUntaggedAfter(7),
        LifecycleRule.keepNewest(20, { tagPatterns: ['v*.*.*'] }),
        LifecycleRule.archiveAfterDaysSinceLastPull(60),
        LifecycleRule.expireArchivedAfter(180),
      ],
    });
    policy.protectTag('v1.0.0');
    const text = policy.toJson();
    expect(LifecyclePolicy.fromJson(text).toJson()).toBe(text);
  });

  test.each<[string, string, string]>([
    ['too short', '{"rules":[]}', 'LifecyclePolicy.fromJson: invalid policy text "12 characters": ECR lifecycle policy text must be 100-30720 characters'],
    ['not JSON', `{"rules": [${' '.repeat(100)}`, '...": not JSON (Unexpected end of JSON input)'],
    ['not an object', JSON.stringify([untaggedRule, untaggedRule]), 'LifecyclePolicy.fromJson: invalid policy '],
    ['unknown top-level field', JSON.stringify({ rules: [untaggedRule], version: 1 }), 'LifecyclePolicy.fromJson: invalid version 1: unknown field; policy fields are rules'],
    ['no rules', JSON.stringify({ rules: [], padding: 'x'.repeat(100) }), 'LifecyclePolicy.fromJson: invalid padding'],
    ['empty rules', `{"rules": []${' '.repeat(100)}}`, 'LifecyclePolicy.fromJson: invalid rules []: a lifecycle policy has a "rules" list with at least one rule'],
  ])('rejects a policy that is %s', (_name, text, expected) => {
    expect(() => LifecyclePolicy.fromJson(text)).toThrow(expected);
  });

  test('rejects more than 50 rules', () => {
    const rules = Array.from({ length: 51 }, (_, i) => ({ ...archiveRule, rulePriority: i + 1, selection: { ...archiveRule.selection, tagPrefixList: [`p${i}`] } }));
    expect(() => LifecyclePolicy.fromJson(JSON.stringify({ rules })))
      .toThrow('LifecyclePolicy.fromJson: invalid rules "51 rules": ECR accepts at most 50 rules per lifecycle policy');
  });

  // Every grammar rule of the "Lifecycle policy properties" page, each error pointing at the rule and field.
  test.each<[string, (rule: any) => void, string]>([
    ['an unknown rule field', r => { r.priority = 2; }, 'invalid priority 2: unknown field; rule fields are rulePriority, description, selection, action'],
    ['a misspelt selection field', r => { r.selection.tagPrefixlist = ['x']; }, 'invalid selection.tagPrefixlist ["x"]: unknown field; selection fields are'],
    ['an unknown action field', r => { r.action.storageClass = 'archive'; }, 'invalid action.storageClass "archive": unknown field; action fields are type, targetStorageClass'],
    ['no rulePriority', r => { delete r.rulePriority; }, 'LifecyclePolicy.fromJson rules[1]: invalid rulePriority undefined: is required'],
    ['a string rulePriority', r => { r.rulePriority = '2'; }, 'LifecyclePolicy.fromJson rules[1]: invalid rulePriority "2": must be an integer >= 1'],
    ['a rulePriority of 0', r => { r.rulePriority = 0; }, 'LifecyclePolicy.fromJson rules[1] (rulePriority 0): invalid priority 0: must be an integer >= 1'],
    ['a duplicate rulePriority', r => { r.rulePriority = 1; }, 'LifecyclePolicy.fromJson rules[1] (rulePriority 1): invalid rulePriority 1: rules[0] has the same priority; rule priorities must be unique'],
    ['a numeric description', r => { r.description = 5; }, 'invalid description 5: must be a string'],
    ['no selection', r => { delete r.selection; }, 'invalid selection undefined: is required'],
    ['a selection that is a list', r => { r.selection = []; }, 'invalid selection []: must be a JSON object'],
    ['no tagStatus', r => { delete r.selection.tagStatus; }, 'invalid selection.tagStatus undefined: is required'],
    ['an unknown tagStatus', r => { r.selection.tagStatus = 'TAGGED'; }, 'invalid selection.tagPrefixList ["release-"]: tagPrefixList may only be used with tagStatus tagged'],
    ['an unknown tagStatus without a list', r => { r.selection.tagStatus = 'all'; delete r.selection.tagPrefixList; }, 'invalid tagStatus "all": must be one of tagged, untagged, any'],
    ['a tag list on an any rule', r => { r.selection.tagStatus = 'any'; }, 'invalid selection.tagPrefixList ["release-"]: tagPrefixList may only be used with tagStatus tagged'],
    ['an empty tag list', r => { r.selection.tagPrefixList = []; }, 'invalid selection.tagPrefixList []: must be a non-empty list of strings'],
    ['a tag list of numbers', r => { r.selection.tagPrefixList = [1]; }, 'invalid selection.tagPrefixList [1]: must be a non-empty list of strings'],
    ['both tag lists', r => { r.selection.tagPatternList = ['release-*']; }, 'invalid tagPrefixList ["release-"]: a rule takes a tagPatternList or a tagPrefixList, not both'],
    ['a tagged rule without a list', r => { delete r.selection.tagPrefixList; }, 'invalid tagStatus "tagged": tagged rules need a tagPatternList or a tagPrefixList'],
    ['five wildcards', r => { delete r.selection.tagPrefixList; r.selection.tagPatternList = ['*a*b*c*d*']; }, 'invalid tagPatternList "*a*b*c*d*": a tag pattern can have at most 4 * wildcards (has 5)'],
    ['no countType', r => { delete r.selection.countType; }, 'invalid selection.countType undefined: is required'],
    ['an unknown countType', r => { r.selection.countType = 'sinceImageBuilt'; }, 'invalid selection.countUnit "days": countUnit is only accepted with the day count types'],
    ['no countUnit with a day count', r => { delete r.selection.countUnit; }, 'invalid selection.countUnit undefined: is required'],
    ['a countUnit of hours', r => { r.selection.countUnit = 'hours'; }, 'invalid selection.countUnit "hours": the only count unit is "days"'],
    ['a countUnit with imageCountMoreThan', r => { r.selection.countType = 'imageCountMoreThan'; }, 'invalid selection.countUnit "days": countUnit is only accepted with the day count types (not imageCountMoreThan)'],
    ['no countNumber', r => { delete r.selection.countNumber; }, 'invalid selection.countNumber undefined: is required'],
    ['a string countNumber', r => { r.selection.countNumber = '90'; }, 'invalid selection.countNumber "90": must be an integer >= 1'],
    ['a countNumber of 0', r => { r.selection.countNumber = 0; }, 'invalid countNumber 0: must be an integer >= 1'],
    ['an unknown storageClass', r => { r.selection.storageClass = 'glacier'; }, 'invalid storageClass "glacier": must be one of standard, archive'],
    ['sinceImageTransitioned without a storageClass', r => { r.selection.countType = 'sinceImageTransitioned'; r.action = { type: 'expire' }; },
      'invalid selection.storageClass undefined: storageClass "archive" is required with countType sinceImageTransitioned'],
    ['sinceImageTransitioned on standard', r => { r.selection.countType = 'sinceImageTransitioned'; r.selection.storageClass = 'standard'; r.action = { type: 'expire' }; },
      'invalid countType "sinceImageTransitioned": sinceImageTransitioned applies only to the archive storage class'],
    ['an archive rule counting since push', r => { r.selection.countType = 'sinceImagePushed'; r.selection.storageClass = 'archive'; r.action = { type: 'expire' }; },
      'invalid countType "sinceImagePushed": rules on the archive storage class count days sinceImageTransitioned'],
    ['an archive rule under 90 days', r => { r.selection.countType = 'sinceImageTransitioned'; r.selection.storageClass = 'archive'; r.selection.countNumber = 30; r.action = { type: 'expire' }; },
      'invalid countNumber 30: ECR keeps archived images at least 90 days'],
    ['an archive rule that transitions', r => { r.selection.countType = 'sinceImageTransitioned'; r.selection.storageClass = 'archive'; },
      'invalid action "transition": archived images can only be expired'],
    ['no action', r => { delete r.action; }, 'invalid action undefined: is required'],
    ['no action type', r => { delete r.action.type; }, 'invalid action.type undefined: is required'],
    ['an unknown action type', r => { r.action = { type: 'delete' }; }, 'invalid action "delete": must be one of expire, transition'],
    ['a transition without a target', r => { delete r.action.targetStorageClass; }, 'invalid action.targetStorageClass undefined: is required'],
    ['a transition to standard', r => { r.action.targetStorageClass = 'standard'; }, 'invalid action.targetStorageClass "standard": the only target storage class is "archive"'],
    ['a target on expire', r => { r.selection.countType = 'sinceImagePushed'; r.action.type = 'expire'; }, 'invalid action.targetStorageClass "archive": targetStorageClass only applies to the transition action'],
    ['sinceImagePulled with expire', r => { r.action = { type: 'expire' }; }, 'invalid countType "sinceImagePulled": sinceImagePulled is only accepted with the transition action'],
  ])('rejects %s, naming the rule and the field', (_name, change, expected) => {
    expect(() => LifecyclePolicy.fromJson(withSecondRule(change))).toThrow(expected);
    expect(() => LifecyclePolicy.fromJson(withSecondRule(change))).toThrow(/^LifecyclePolicy\.fromJson rules\[1\]/);
  });

  test('checks between rules name the rules by priority', () => {
    const text = JSON.stringify({ rules: [untaggedRule, { ...untaggedRule, rulePriority: 5, description: 'again' }] });
    expect(() => LifecyclePolicy.fromJson(text)).toThrow(
      'LifecyclePolicy.fromJson: invalid tagStatus "untagged": only one standard rule can select untagged images, ' +
      `but "${untaggedRule.description}" (priority 1) and "again" (priority 5) both do`);
  });

  test('an any rule before another rule of its storage class is rejected', () => {
    const anyRule = { rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } };
    expect(() => LifecyclePolicy.fromJson(JSON.stringify({ rules: [anyRule, archiveRule] })))
      .toThrow(/^LifecyclePolicy\.fromJson: invalid priority 1: the tagStatus any rule "any imageCountMoreThan 5" must have a higher priority number/);
  });

  test('a token is not parsed', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Token } = require('aws-cdk-lib');
    expect(() => LifecyclePolicy.fromJson(Token.asString({ Ref: 'Policy' }) + ' '.repeat(100)))
      .toThrow(/invalid policy text .*: the policy text must be known \(not a token\)/);
  });
});
