import * as fc from 'fast-check';
import {
  acceptedPolicy,
  arbImageSeed1,
  arbImageSeeds,
  arbBusyImages,
  arbImages,
  arbRuleProps,
  arbRules,
  arbTag,
  ecrViolations,
  imagesFrom,
  NOW,
} from './arbitraries';
import {
  CustomLifecycleRuleProps,
  LifecycleAction,
  LifecycleCountType,
  LifecycleEvaluationResult,
  LifecycleImage,
  LifecyclePolicy,
  LifecycleRule,
  LifecycleStorageClass,
  TagStatus,
} from '../../src';

const RUNS = { numRuns: 300 };

describe('valid rule sets', () => {
  test('render JSON that satisfies the ECR grammar and re-parses to the same rules', () => {
    fc.assert(fc.property(arbRules, fc.array(arbTag, { maxLength: 3 }), (rules, tags) => {
      const policy = acceptedPolicy(rules, tags);
      fc.pre(policy !== undefined);
      const text = policy!.toJson();
      expect(ecrViolations(text)).toEqual([]);
      const parsed = LifecyclePolicy.fromJson(text);
      expect(parsed.resolvedRules().map(r => r.toProps())).toEqual(policy!.resolvedRules().map(r => r.toProps()));
      expect(parsed.toJson()).toBe(text);
    }), RUNS);
  });

  test('the generator mostly produces accepted rule sets', () => {
    const samples = fc.sample(arbRules, { numRuns: 500, seed: 7 });
    const accepted = samples.filter(rules => acceptedPolicy(rules) !== undefined).length;
    expect(accepted / samples.length).toBeGreaterThan(0.8);
  });
});

describe('invalid rules are rejected with a message', () => {
  type Mutation = [string, (p: CustomLifecycleRuleProps) => CustomLifecycleRuleProps];
  const mutations: Mutation[] = [
    ['countNumber', p => ({ ...p, countNumber: 0 })],
    ['countNumber', p => ({ ...p, countNumber: p.countNumber + 0.5 })],
    ['priority', p => ({ ...p, priority: -1 })],
    ['tagStatus', p => ({ ...p, tagStatus: TagStatus.TAGGED, tagPatternList: undefined, tagPrefixList: undefined })],
    ['tagPatternList', p => ({ ...p, tagStatus: TagStatus.UNTAGGED, tagPatternList: ['a*'], tagPrefixList: undefined })],
    ['tagPrefixList', p => ({ ...p, tagStatus: TagStatus.TAGGED, tagPatternList: ['a*'], tagPrefixList: ['a'] })],
    ['tagPatternList', p => ({ ...p, tagStatus: TagStatus.TAGGED, tagPatternList: ['*a*b*c*d*e'], tagPrefixList: undefined })],
    ['tagPatternList', p => ({ ...p, tagStatus: TagStatus.TAGGED, tagPatternList: ['a/b'], tagPrefixList: undefined })],
    ['tagPrefixList', p => ({ ...p, tagStatus: TagStatus.TAGGED, tagPatternList: undefined, tagPrefixList: ['a*'] })],
    ['countType', p => ({ ...p, storageClass: LifecycleStorageClass.ARCHIVE, countType: LifecycleCountType.SINCE_IMAGE_PUSHED, action: LifecycleAction.EXPIRE })],
    ['countType', p => ({ ...p, storageClass: LifecycleStorageClass.STANDARD, countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED, action: LifecycleAction.EXPIRE })],
    ['action', p => ({ ...p, storageClass: LifecycleStorageClass.ARCHIVE, countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED, countNumber: 100, action: LifecycleAction.TRANSITION })],
    ['countType', p => ({ ...p, storageClass: LifecycleStorageClass.STANDARD, countType: LifecycleCountType.SINCE_IMAGE_PULLED, action: LifecycleAction.EXPIRE })],
    ['countNumber', p => ({ ...p, storageClass: LifecycleStorageClass.ARCHIVE, countType: LifecycleCountType.SINCE_IMAGE_TRANSITIONED, countNumber: 89, action: LifecycleAction.EXPIRE })],
  ];

  test('every generated invalid rule throws a message naming the property', () => {
    fc.assert(fc.property(arbRuleProps, fc.constantFrom(...mutations), (props, [property, mutate]) => {
      expect(() => LifecycleRule.custom(mutate(props))).toThrow(new RegExp(`^LifecycleRule\\.custom: invalid ${property} .+: .+`));
    }), RUNS);
  });

  type TextMutation = [string, (rule: any) => void];
  const textMutations: TextMutation[] = [
    ['selection.countUnit', r => { if (r.selection.countType === 'imageCountMoreThan') r.selection.countUnit = 'days'; else delete r.selection.countUnit; }],
    ['selection.countUnit', r => { if (r.selection.countType === 'imageCountMoreThan') r.selection.countUnit = 'days'; else r.selection.countUnit = 'weeks'; }],
    ['action.targetStorageClass', r => { if (r.action.type === 'transition') r.action.targetStorageClass = 'glacier'; else r.action.targetStorageClass = 'archive'; }],
    ['selection.sortBy', r => { r.selection.sortBy = 'pushedAt'; }],
    ['selection.tagStatus', r => { delete r.selection.tagStatus; }],
    ['selection.countNumber', r => { r.selection.countNumber = String(r.selection.countNumber); }],
    ['rulePriority', r => { r.rulePriority = 'first'; }],
  ];

  test('every generated invalid policy text is rejected, naming the rule and the field', () => {
    fc.assert(fc.property(arbRules, fc.constantFrom(...textMutations), fc.nat(), (rules, [field, mutate], pick) => {
      const policy = acceptedPolicy(rules);
      fc.pre(policy !== undefined);
      const doc = JSON.parse(policy!.toJson());
      const index = pick % doc.rules.length;
      mutate(doc.rules[index]);
      const text = JSON.stringify(doc);
      fc.pre(text.length >= 100);
      expect(() => LifecyclePolicy.fromJson(text)).toThrow(new RegExp(`^LifecyclePolicy\\.fromJson rules\\[${index}\\].*: invalid ${field.replace('.', '\\.')} `));
    }), RUNS);
  });

  test('policies that break a check between rules are rejected by validate(), toJson() and fromJson()', () => {
    const clashes: Array<(rules: LifecycleRule[]) => LifecycleRule[]> = [
      rules => [...rules, LifecycleRule.expireUntaggedAfter(3), LifecycleRule.expireUntaggedAfter(9)],
      rules => [...rules, LifecycleRule.keepNewest(3), LifecycleRule.keepNewest(9)],
      rules => [...rules, LifecycleRule.keepNewest(3, { tagPrefixes: ['zz'] }), LifecycleRule.expireTaggedAfter(3, { tagPrefixes: ['zz'] })],
      rules => [LifecycleRule.keepNewest(3, { priority: 1 }), ...rules.map(r => r.withPriority(r.priority ?? 100 + rules.indexOf(r)))],
    ];
    fc.assert(fc.property(arbRules, fc.constantFrom(...clashes), (rules, clash) => {
      fc.pre(acceptedPolicy(rules) !== undefined && rules.some(r => r.storageClass === LifecycleStorageClass.STANDARD));
      let policy: LifecyclePolicy;
      try {
        policy = new LifecyclePolicy({ rules: clash(rules) });
      } catch (e) {
        expect((e as Error).message).toMatch(/invalid priority/);
        return;
      }
      const errors = policy.validate();
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) expect(e).toMatch(/^LifecyclePolicy: invalid \S+ .+: .+/);
      expect(() => policy.toJson()).toThrow(/invalid/);
    }), { numRuns: 100 });
  });
});

describe('evaluation', () => {
  test('is deterministic and does not depend on the order of the images', () => {
    fc.assert(fc.property(arbRules, arbImages, fc.integer(), (rules, images, seed) => {
      const policy = acceptedPolicy(rules);
      fc.pre(policy !== undefined);
      const first = policy!.evaluate(images, NOW);
      expect(policy!.evaluate(images, NOW)).toEqual(first);
      const shuffled = fc.sample(fc.shuffledSubarray(images, { minLength: images.length }), { numRuns: 1, seed })[0];
      expect(policy!.evaluate(shuffled, NOW)).toEqual(first);
      expect(LifecyclePolicy.fromJson(policy!.toJson()).evaluate(shuffled, NOW)).toEqual(first);
    }), RUNS);
  });

  test('acts on each image at most once, only on images of the rule\'s storage class, and follows the rule\'s action', () => {
    fc.assert(fc.property(arbRules, arbImages, (rules, images) => {
      const policy = acceptedPolicy(rules);
      fc.pre(policy !== undefined);
      const results = policy!.evaluate(images, NOW);
      expect(new Set(results.map(r => r.digest)).size).toBe(results.length);
      const byPriority = new Map(policy!.resolvedRules().map(r => [r.priority, r]));
      for (const result of results) {
        const rule = byPriority.get(result.rulePriority)!;
        expect(result.storageClass).toBe(rule.storageClass);
        expect(result.action).toBe(rule.action);
      }
    }), RUNS);
  });

  test('adding an image never un-expires or un-archives another one (count rules included)', () => {
    const countHeavy = arbRules.filter(rules => rules.some(r => r.countType === LifecycleCountType.IMAGE_COUNT_MORE_THAN));
    fc.assert(fc.property(countHeavy, arbImageSeeds, arbImageSeed1, (rules, seeds, extraSeed) => {
      const policy = acceptedPolicy(rules);
      fc.pre(policy !== undefined);
      const used = new Set<string>();
      const images = imagesFrom(seeds, used);
      const extra = imagesFrom([extraSeed], used, images.length);
      const before = policy!.evaluate(images, NOW);
      const after = new Map(policy!.evaluate([...images, ...extra], NOW).map(r => [r.digest, r]));
      for (const result of before) {
        const now = after.get(result.digest);
        expect(now && [now.action, now.rulePriority]).toEqual([result.action, result.rulePriority]);
      }
    }), RUNS);
  });

  test('a tag passed to protectTag() is never expired or archived, whatever the rules and images', () => {
    let wouldHaveActed = 0;
    fc.assert(fc.property(arbRules, arbBusyImages, fc.array(arbTag, { minLength: 1, maxLength: 4 }), (rules, images, extraTags) => {
      // Protect some tags the images carry, and some they may not.
      const carried = images.flatMap(i => i.tags ?? []);
      const protectedTags = [...new Set([...carried.filter((_, i) => i % 2 === 0), ...extraTags])];
      const policy = acceptedPolicy(rules, protectedTags);
      fc.pre(policy !== undefined);
      const hits = (results: LifecycleEvaluationResult[]) => results.filter(r => r.tags.some(t => protectedTags.includes(t)));
      expect(hits(policy!.evaluate(images, NOW))).toEqual([]);
      // The same holds for the policy text as ECR receives it.
      expect(hits(LifecyclePolicy.fromJson(policy!.toJson()).evaluate(images, NOW))).toEqual([]);
      // Not vacuous: count the protected images that the same rules act on without protection.
      wouldHaveActed += hits(new LifecyclePolicy({ rules }).evaluate(images, NOW)).length;
    }), RUNS);
    expect(wouldHaveActed).toBeGreaterThan(100);
  });
});

describe('evaluator edge cases', () => {
  const at = (iso: string) => new Date(iso);
  const keepTwo = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(2)] });

  test('equal push times at the count boundary are all kept (docs silent: never expire when unsure)', () => {
    const images: LifecycleImage[] = [
      { digest: 'sha256:a', pushedAt: at('2025-01-03T00:00:00Z') },
      { digest: 'sha256:b', pushedAt: at('2025-01-02T00:00:00Z') },
      { digest: 'sha256:c', pushedAt: at('2025-01-02T00:00:00Z') },
      { digest: 'sha256:d', pushedAt: at('2025-01-01T00:00:00Z') },
    ];
    expect(keepTwo.evaluate(images, NOW).map(r => r.digest)).toEqual(['sha256:d']);
  });

  test('a restored image counts from its restore time', () => {
    const images: LifecycleImage[] = [
      { digest: 'sha256:a', pushedAt: at('2025-01-03T00:00:00Z') },
      { digest: 'sha256:b', pushedAt: at('2024-01-01T00:00:00Z'), restoredAt: at('2025-05-01T00:00:00Z') },
      { digest: 'sha256:c', pushedAt: at('2025-01-02T00:00:00Z') },
    ];
    expect(keepTwo.evaluate(images, NOW).map(r => r.digest)).toEqual(['sha256:c']);
  });

  test('an image exactly N days old is kept by an N-day rule', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(10)] });
    const tenDays = new Date(NOW.getTime() - 10 * 86_400_000);
    expect(policy.evaluate([{ digest: 'sha256:a', pushedAt: tenDays }], NOW)).toEqual([]);
    expect(policy.evaluate([{ digest: 'sha256:a', pushedAt: new Date(tenDays.getTime() - 1) }], NOW)).toHaveLength(1);
  });

  test('images a manifest list references are neither counted nor acted on', () => {
    const keepOneUntagged = LifecycleRule.custom({
      tagStatus: TagStatus.UNTAGGED, countType: LifecycleCountType.IMAGE_COUNT_MORE_THAN, countNumber: 1,
    });
    const policy = new LifecyclePolicy({ rules: [keepOneUntagged] });
    const images: LifecycleImage[] = [
      { digest: 'sha256:amd64', pushedAt: at('2025-01-01T00:00:00Z'), referencedByManifestList: true },
      { digest: 'sha256:arm64', pushedAt: at('2025-01-01T00:00:00Z'), referencedByManifestList: true },
      { digest: 'sha256:old', pushedAt: at('2024-01-01T00:00:00Z') },
      { digest: 'sha256:new', pushedAt: at('2024-02-01T00:00:00Z') },
    ];
    expect(policy.evaluate(images, NOW).map(r => r.digest)).toEqual(['sha256:old']);
  });

  test('reference artifacts follow their subject, with its rule', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireTaggedAfter(30, { tagPrefixes: ['dev'] })] });
    const images: LifecycleImage[] = [
      { digest: 'sha256:app', tags: ['dev-1'], pushedAt: at('2025-01-01T00:00:00Z'), sizeInBytes: 10 },
      { digest: 'sha256:sig', pushedAt: at('2025-01-01T00:01:00Z'), subjectDigest: 'sha256:app', sizeInBytes: 1 },
      { digest: 'sha256:sig-of-sig', pushedAt: at('2025-01-01T00:02:00Z'), subjectDigest: 'sha256:sig' },
      { digest: 'sha256:orphan', pushedAt: at('2020-01-01T00:00:00Z'), subjectDigest: 'sha256:gone' },
      { digest: 'sha256:kept-sig', pushedAt: at('2020-01-01T00:00:00Z'), subjectDigest: 'sha256:kept' },
      { digest: 'sha256:kept', tags: ['prod'], pushedAt: at('2020-01-01T00:00:00Z') },
    ];
    const results = policy.evaluate(images, NOW);
    expect(results.map(r => [r.digest, r.action, r.rulePriority])).toEqual([
      ['sha256:app', LifecycleAction.EXPIRE, 1],
      ['sha256:sig', LifecycleAction.EXPIRE, 1],
      ['sha256:sig-of-sig', LifecycleAction.EXPIRE, 1],
    ]);
    expect(results[1].reason).toBe('reference artifact of sha256:app, which is expired');
  });

  test('archived images need 90 days in the archive and a known archive time', () => {
    const policy = LifecyclePolicy.fromJson(JSON.stringify({
      rules: [{ rulePriority: 1, selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 }, action: { type: 'expire' } }],
    }));
    const archived = (digest: string, transitionedAt?: Date): LifecycleImage => ({
      digest, pushedAt: at('2020-01-01T00:00:00Z'), storageClass: LifecycleStorageClass.ARCHIVE, ...(transitionedAt ? { transitionedAt } : {}),
    });
    const results = policy.evaluate([
      archived('sha256:91', new Date(NOW.getTime() - 91 * 86_400_000)),
      archived('sha256:89', new Date(NOW.getTime() - 89 * 86_400_000)),
      archived('sha256:unknown'),
    ], NOW);
    expect(results.map(r => [r.digest, r.reason])).toEqual([['sha256:91', 'archived 91 days ago, more than 90']]);
  });

  test.each<[string, LifecycleImage[], RegExp]>([
    ['a duplicate digest', [{ digest: 'sha256:a', pushedAt: NOW }, { digest: 'sha256:a', pushedAt: NOW }], /invalid images "sha256:a": each digest can appear only once/],
    ['a tag on two images', [{ digest: 'sha256:a', tags: ['v1'], pushedAt: NOW }, { digest: 'sha256:b', tags: ['v1'], pushedAt: NOW }],
      /invalid images "v1": a tag names at most one image of a repository, but sha256:a and sha256:b both carry it/],
    ['no digest', [{ digest: '', pushedAt: NOW }], /invalid images\[0\]\.digest "": every image needs its digest/],
    ['an invalid push date', [{ digest: 'sha256:a', pushedAt: new Date('soon') }], /invalid images\[0\]\.pushedAt null: must be a valid date/],
    ['a push time that is not a date', [{ digest: 'sha256:a', pushedAt: '2025-01-01' as unknown as Date }], /invalid images\[0\]\.pushedAt "2025-01-01": must be a valid date/],
    ['an unknown storage class', [{ digest: 'sha256:a', pushedAt: NOW, storageClass: 'cold' as LifecycleStorageClass }], /invalid images\[0\]\.storageClass "cold"/],
    ['a negative size', [{ digest: 'sha256:a', pushedAt: NOW, sizeInBytes: -1 }], /invalid images\[0\]\.sizeInBytes -1/],
    ['an empty tag', [{ digest: 'sha256:a', pushedAt: NOW, tags: [''] }], /invalid images\[0\]\.tags \[""\]/],
  ])('rejects %s', (_name, images, expected) => {
    expect(() => keepTwo.evaluate(images, NOW)).toThrow(expected);
    expect(() => keepTwo.evaluate(images, NOW)).toThrow(/^LifecyclePolicy\.evaluate: invalid /);
  });
});
