import { LifecycleAction, LifecycleImage, LifecyclePolicy, LifecycleStorageClass } from '../../src';

/*
 * Every worked example of the ECR user guide page "Examples of lifecycle policies" that lists sample
 * images and a result, transcribed as it is written: repository contents, policy text and outcome.
 * The policy texts are the documented ones (only whitespace differs).
 */

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

function image(name: string, tags: string[], daysAgo: number, extra: Partial<LifecycleImage> = {}): LifecycleImage {
  return { digest: `sha256:${name}`, tags, pushedAt: new Date(NOW.getTime() - daysAgo * DAY), ...extra };
}

function rule(priority: number, selection: Record<string, unknown>, action: Record<string, unknown> = { type: 'expire' }) {
  return { rulePriority: priority, description: `Rule ${priority}`, selection, action };
}

function expired(policy: object, images: LifecycleImage[]): string[] {
  return LifecyclePolicy.fromJson(JSON.stringify(policy)).evaluate(images, NOW)
    .filter(r => r.action === LifecycleAction.EXPIRE)
    .map(r => r.digest.replace('sha256:', ''))
    .sort();
}

describe('Filtering on multiple rules', () => {
  const repository = [
    image('A', ['beta-1', 'prod-1'], 10),
    image('B', ['beta-2', 'prod-2'], 9),
    image('C', ['beta-3'], 8),
  ];

  test('Example A: rule 1 prod* keeps one, rule 2 beta* cannot expire what rule 1 saw; image A is expired', () => {
    const policy = {
      rules: [
        rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }),
        rule(2, { tagStatus: 'tagged', tagPatternList: ['beta*'], countType: 'imageCountMoreThan', countNumber: 1 }),
      ],
    };
    expect(expired(policy, repository)).toEqual(['A']);
  });

  test('Example A with the older tagPrefixList text of the same page gives the same result', () => {
    const policy = {
      rules: [
        rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 }),
        rule(2, { tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 1 }),
      ],
    };
    expect(expired(policy, repository)).toEqual(['A']);
  });

  test('Example B: priorities swapped, rule 1 beta* marks A and B, rule 2 sees nothing new; images A and B are expired', () => {
    const policy = {
      rules: [
        rule(1, { tagStatus: 'tagged', tagPatternList: ['beta*'], countType: 'imageCountMoreThan', countNumber: 1 }),
        rule(2, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }),
      ],
    };
    expect(expired(policy, repository)).toEqual(['A', 'B']);
    const results = LifecyclePolicy.fromJson(JSON.stringify(policy)).evaluate(repository, NOW);
    expect(results.map(r => r.rulePriority)).toEqual([1, 1]);
  });
});

describe('Filtering on multiple tags in a single rule', () => {
  test('Example A: images must match alpha* and beta*; only C is older than five days', () => {
    const repository = [
      image('A', ['alpha-1'], 12),
      image('B', ['beta-1'], 11),
      image('C', ['alpha-2', 'beta-2'], 10),
      image('D', ['alpha-3'], 4),
      image('E', ['beta-3'], 3),
      image('F', ['alpha-4', 'beta-4'], 2),
    ];
    const policy = {
      rules: [rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'], countType: 'sinceImagePushed', countNumber: 5, countUnit: 'days' })],
    };
    expect(expired(policy, repository)).toEqual(['C']);
  });

  test('Example A with the older tagPrefixList text: same result', () => {
    const repository = [
      image('A', ['alpha-1'], 12), image('B', ['beta-1'], 11), image('C', ['alpha-2', 'beta-2'], 10),
      image('D', ['alpha-3'], 4), image('E', ['beta-3'], 3), image('F', ['alpha-4', 'beta-4'], 2),
    ];
    const policy = {
      rules: [rule(1, { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'], countType: 'sinceImagePushed', countNumber: 5, countUnit: 'days' })],
    };
    expect(expired(policy, repository)).toEqual(['C']);
  });

  test('Example B: tags are not exclusive; A and B are expired, the newest (C) is kept', () => {
    const repository = [
      image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10),
      image('B', ['alpha-2', 'beta-2'], 9),
      image('C', ['alpha-3', 'beta-3', 'gamma-2'], 8),
    ];
    const policy = {
      rules: [rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'], countType: 'imageCountMoreThan', countNumber: 1 })],
    };
    expect(expired(policy, repository)).toEqual(['A', 'B']);
  });
});

describe('Filtering on all images', () => {
  test('Example A: an any rule keeps the newest image; A, B and C are expired', () => {
    const repository = [
      image('A', ['alpha-1'], 4),
      image('B', ['beta-1'], 3),
      image('C', [], 2),
      image('D', ['alpha-2'], 1),
    ];
    const policy = { rules: [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 })] };
    expect(expired(policy, repository)).toEqual(['A', 'B', 'C']);
  });

  test('Example B: all rule types in one policy; A, B and D are expired', () => {
    // The page lists D and E as both pushed "1 day ago", D first; its outcome (rule 3 keeps one image
    // and expires D) needs E to be the newer of the two, and rule 2 ("older than one day") to leave E.
    const repository = [
      image('A', ['alpha-1', 'beta-1'], 4),
      image('B', [], 3),
      image('C', ['alpha-2'], 2),
      image('D', ['git hash'], 1.01),
      image('E', [], 1),
    ];
    const policy = {
      rules: [
        rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*'], countType: 'imageCountMoreThan', countNumber: 1 }),
        rule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
        rule(3, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
      ],
    };
    const results = LifecyclePolicy.fromJson(JSON.stringify(policy)).evaluate(repository, NOW);
    expect(results.map(r => [r.digest.replace('sha256:', ''), r.rulePriority])).toEqual([['A', 1], ['B', 2], ['D', 3]]);
  });
});

describe('the single-rule examples', () => {
  test('Filtering on image age: prod* images older than 14 days expire', () => {
    const policy = {
      rules: [{
        rulePriority: 1,
        description: 'Expire images older than 14 days',
        selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      }],
    };
    const repository = [
      image('old-prod', ['prod'], 15), image('old-production', ['production-team1'], 30),
      image('new-prod', ['prod1'], 13), image('old-dev', ['dev-1'], 40), image('old-untagged', [], 40),
    ];
    expect(expired(policy, repository)).toEqual(['old-prod', 'old-production']);
  });

  test('Filtering on image count: keep only one untagged image', () => {
    const policy = {
      rules: [{
        rulePriority: 1,
        description: 'Keep only one untagged image, expire all others',
        selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      }],
    };
    const repository = [image('u1', [], 3), image('u2', [], 2), image('u3', [], 1), image('t', ['v1'], 5)];
    expect(expired(policy, repository)).toEqual(['u1', 'u2']);
  });

  test('Filtering on last pulled time: images not pulled in 90 days move to the archive', () => {
    const policy = {
      rules: [{
        rulePriority: 1,
        description: 'Archive images not pulled in 90 days',
        selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      }],
    };
    const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
    const repository = [
      image('pulled-long-ago', ['a'], 400, { lastPulledAt: ago(91) }),
      image('pulled-recently', ['b'], 400, { lastPulledAt: ago(10) }),
      image('never-pulled-old', ['c'], 91),
      image('never-pulled-new', ['d'], 89),
      image('restored-not-pulled', ['e'], 400, { lastPulledAt: ago(300), restoredAt: ago(30) }),
      image('already-archived', ['f'], 400, { storageClass: LifecycleStorageClass.ARCHIVE, transitionedAt: ago(200) }),
    ];
    const results = LifecyclePolicy.fromJson(JSON.stringify(policy)).evaluate(repository, NOW);
    expect(results.map(r => [r.digest.replace('sha256:', ''), r.action])).toEqual([
      ['pulled-long-ago', LifecycleAction.TRANSITION],
      ['never-pulled-old', LifecycleAction.TRANSITION],
    ]);
    expect(results[1].reason).toBe('never pulled; pushed 91 days ago, more than 90');
  });

  test('Filtering on archive transition time: archived more than 365 days ago expire', () => {
    const policy = {
      rules: [{
        rulePriority: 1,
        description: 'Expire images archived for more than 365 days',
        selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
        action: { type: 'expire' },
      }],
    };
    const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
    const repository = [
      image('archived-366', ['a'], 900, { storageClass: LifecycleStorageClass.ARCHIVE, transitionedAt: ago(366) }),
      image('archived-364', ['b'], 900, { storageClass: LifecycleStorageClass.ARCHIVE, transitionedAt: ago(364) }),
      image('archived-unknown', ['c'], 900, { storageClass: LifecycleStorageClass.ARCHIVE }),
      image('standard-old', ['d'], 900),
    ];
    expect(expired(policy, repository)).toEqual(['archived-366']);
  });
});

describe('Archive examples', () => {
  const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

  test('archiving production images older than 30 days', () => {
    const policy = {
      rules: [{
        rulePriority: 1,
        description: 'Archive production images older than 30 days',
        selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      }],
    };
    const results = LifecyclePolicy.fromJson(JSON.stringify(policy)).evaluate([
      image('prod-old', ['prod-1'], 31), image('prod-new', ['prod-2'], 29), image('dev-old', ['dev-1'], 31),
    ], NOW);
    expect(results.map(r => [r.digest, r.action])).toEqual([['sha256:prod-old', LifecycleAction.TRANSITION]]);
  });

  test('combining archive and expire rules: one any rule per storage class', () => {
    const policy = {
      rules: [
        {
          rulePriority: 1,
          description: 'Archive images older than 30 days',
          selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
          action: { type: 'transition', targetStorageClass: 'archive' },
        },
        {
          rulePriority: 2,
          description: 'Expire images archived for more than 365 days',
          selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
          action: { type: 'expire' },
        },
      ],
    };
    const results = LifecyclePolicy.fromJson(JSON.stringify(policy)).evaluate([
      image('standard-old', ['a'], 31),
      image('standard-new', [], 3),
      image('archived-long', ['b'], 800, { storageClass: LifecycleStorageClass.ARCHIVE, transitionedAt: ago(400) }),
      image('archived-recent', ['c'], 800, { storageClass: LifecycleStorageClass.ARCHIVE, transitionedAt: ago(100) }),
    ], NOW);
    expect(results.map(r => [r.digest.replace('sha256:', ''), r.action, r.rulePriority])).toEqual([
      ['standard-old', LifecycleAction.TRANSITION, 1],
      ['archived-long', LifecycleAction.EXPIRE, 2],
    ]);
  });
});
