/**
 * One failing-input test and one passing boundary test per rule of src/rules, each through the
 * construct a user would write (the error names the construct path, the property, the value and the
 * rule), plus the pure function where the construct cannot reach the boundary. docs/validation.md
 * points at these tests by name.
 */
import { App, CfnParameter, Errors, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import {
  ContainerRegistry,
  ImageReference,
  LifecyclePolicy,
  LifecycleRule,
  RegistryScanning,
  ReplicationDestination,
  RepositoryBaseline,
  RepositoryCreationScenario,
  ScanFrequency,
  ScanType,
  SecureRepository,
  TaggedImageTaskDefinition,
  UpstreamRegistry,
} from '../../src';
import { checkLifecyclePolicyText } from '../../src/lifecycle/policy-reading';
import { TagMutabilityKnowledge } from '../../src/private/tag-mutability';
import { show } from '../../src/private/validate';
import * as rules from '../../src/rules';

const ACCOUNT = '111111111111';

function stack(region = 'us-east-1', app = new App()): Stack {
  return new Stack(app, 'Test', { env: { account: ACCOUNT, region } });
}

/** The error `build` throws (a test fails when it throws nothing). */
function errorOf(build: () => unknown): Error {
  try {
    build();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a validation error, got none');
}

function expectRuleError(build: () => unknown, message: RegExp): void {
  const error = errorOf(build);
  expect(error.message).toMatch(message);
  expect(Errors.isValidationError(error)).toBe(true);
}

describe('ECRB-REGION-NAME / ECRB-REGION-UNLISTED', () => {
  test('a near miss of a known region is refused, with the region it likely meant', () => {
    const s = stack();
    const registry = new ContainerRegistry(s, 'Registry');
    expectRuleError(() => registry.addReplication(ReplicationDestination.region('eu-wset-1')),
      /^Test\/Registry: invalid replication destination region "eu-wset-1": not a region of any AWS partition; did you mean "eu-west-1"\?$/);
  });

  test('a name not shaped like a region is refused', () => {
    const s = stack();
    const registry = new ContainerRegistry(s, 'Registry');
    expectRuleError(() => registry.addReplication(ReplicationDestination.region('Europe')),
      /^Test\/Registry: invalid replication destination region "Europe": region names look like "eu-west-1"/);
  });

  test('every region of every partition aws-cdk-lib knows passes', () => {
    for (const region of ['eu-west-1', 'cn-northwest-1', 'us-gov-west-1', 'us-isob-east-1', 'eusc-de-east-1', 'ap-southeast-7']) {
      expect(rules.checkRegionName('region', region)).toEqual([]);
    }
    const s = stack();
    new ContainerRegistry(s, 'Registry', { replicateTo: [ReplicationDestination.region('mx-central-1')] });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: { Rules: [{ Destinations: [{ Region: 'mx-central-1', RegistryId: ACCOUNT }] }] },
    });
  });

  test('a well-shaped region far from every known one is a warning (perhaps newer than aws-cdk-lib), not an error', () => {
    const s = stack();
    new ContainerRegistry(s, 'Registry', { replicateTo: [ReplicationDestination.region('xx-polar-9')] });
    Annotations.fromStack(s).hasWarning('/Test/Registry',
      Match.stringLikeRegexp('replication destination region "xx-polar-9": not a region aws-cdk-lib knows, so it is not checked'));
  });

  test('a region held in a token is not checked', () => {
    expect(rules.checkRegionName('region', Token.asString({ Ref: 'Region' }))).toEqual([]);
  });
});

describe('ECRB-PARTITION-RESOURCE', () => {
  test('a pull-through cache rule in GovCloud or China is refused (cfn-lint E3006)', () => {
    for (const region of ['us-gov-west-1', 'cn-north-1']) {
      const registry = new ContainerRegistry(stack(region), 'Registry');
      expectRuleError(() => registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic()),
        new RegExp(`^Test/Registry/PullThroughCache/ecr-public: invalid region "${region}": CloudFormation has no AWS::ECR::PullThroughCacheRule in ${region}`));
    }
  });

  test('the same rule in a commercial region passes, and the rest of the registry is accepted in GovCloud', () => {
    const registry = new ContainerRegistry(stack('eu-central-1'), 'Registry');
    registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    Template.fromStack(Stack.of(registry)).resourceCountIs('AWS::ECR::PullThroughCacheRule', 1);
    const gov = new ContainerRegistry(stack('us-gov-east-1'), 'Registry');
    gov.addRepository('team/api');
    Template.fromStack(Stack.of(gov)).resourceCountIs('AWS::ECR::Repository', 1);
    expect(rules.checkResourceInRegion('r', 'AWS::ECR::PublicRepository', 'us-east-1')).toEqual([]);
    expect(rules.checkResourceInRegion('r', 'AWS::ECR::PublicRepository', 'eu-west-1')).toHaveLength(1);
  });
});

describe('ECRB-REPO-NAME', () => {
  test('an invalid name is refused with the path', () => {
    expectRuleError(() => new SecureRepository(stack(), 'Repo', { repositoryName: 'Team/API' }),
      /^Test\/Repo: invalid repositoryName "Team\/API": repository names are 2-256 characters/);
    expectRuleError(() => new SecureRepository(stack(), 'Repo', { repositoryName: 'a' }),
      /^Test\/Repo: invalid repositoryName "a": must be 2-256 characters long \(got 1\)/);
  });

  test('the boundaries pass: 2 and 256 characters, separators, path segments', () => {
    const s = stack();
    new SecureRepository(s, 'Short', { repositoryName: 'ab' });
    new SecureRepository(s, 'Long', { repositoryName: 'a'.repeat(256) });
    new SecureRepository(s, 'Path', { repositoryName: 'team-a/api__v2.x' });
    Template.fromStack(s).resourceCountIs('AWS::ECR::Repository', 3);
  });
});

describe('ECRB-REPO-TAG-MUTABILITY', () => {
  test('six exclusion filters are refused (the API model allows 1-5)', () => {
    expectRuleError(() => new SecureRepository(stack(), 'Repo', { mutableTags: ['a', 'b', 'c', 'd', 'e', 'f'] }),
      /^Test\/Repo: invalid mutableTags \["a","b","c","d","e","f"\]: must have 1-5 entries \(got 6\)/);
  });

  test('a filter outside [0-9a-zA-Z._*-]{1,128} is refused', () => {
    expectRuleError(() => new SecureRepository(stack(), 'Repo', { mutableTags: ['dev/*'] }),
      /^Test\/Repo: invalid mutableTags "dev\/\*": mutable tag filters are 1-128 characters/);
    expect(rules.checkTagMutability({ mode: 'IMMUTABLE_WITH_EXCLUSION', filters: ['x'.repeat(129)] })).toHaveLength(1);
  });

  test('five filters of 128 characters with any number of * pass (the model limits characters, not wildcards)', () => {
    const filters = ['*', '**', '*a*b*c*d*e*', 'x'.repeat(128), `${'*'.repeat(127)}z`];
    const s = stack();
    new SecureRepository(s, 'Repo', { mutableTags: filters });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: filters.map(f => ({ ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: f })),
    });
  });

  test('filters without an exclusion mode are refused by the pure function (template input)', () => {
    expect(rules.checkTagMutability({ mode: 'IMMUTABLE', filters: ['latest'] })[0].rule)
      .toMatch(/exclusion filters only apply with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION/);
    expect(rules.checkTagMutability({ mode: 'MUTABLE_WITH_EXCLUSION', filters: [] })[0].rule).toMatch(/takes 1-5 exclusion filters/);
  });
});

describe('ECRB-REPO-ENCRYPTION', () => {
  const otherRegionKey = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  test('a key of another region given to SecureRepository is refused, shown as the ARN given', () => {
    const s = stack();
    const key = kms.Key.fromKeyArn(s, 'Key', otherRegionKey);
    expectRuleError(() => new SecureRepository(s, 'Repo', { encryptionKey: key }),
      new RegExp(`^Test/Repo: invalid encryptionKey "${otherRegionKey}": ECR needs the key in the repository's region \\(us-east-1\\), it is in eu-west-1$`));
  });

  test('a key of another region given to addRepository, or made in a stack of another region, is refused', () => {
    const app = new App();
    const s = stack('us-east-1', app);
    const registry = new ContainerRegistry(s, 'Registry');
    const key = kms.Key.fromKeyArn(s, 'Key', otherRegionKey);
    expectRuleError(() => registry.addRepository('team/api', { encryptionKey: key }),
      /^Test\/Registry\/Repository\/team--api: invalid encryptionKey ".*eu-west-1.*": ECR needs the key in the repository's region \(us-east-1\)/);
    const keyStack = new Stack(app, 'Keys', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const made = new kms.Key(keyStack, 'Key');
    expectRuleError(() => new SecureRepository(s, 'Repo', { encryptionKey: made }),
      /^Test\/Repo: invalid encryptionKey ".*": ECR needs the key in the repository's region \(us-east-1\), it is in eu-west-1$/);
  });

  test('a key of the same region, and keys of unknown region (tokens, env-agnostic stacks), pass', () => {
    const s = stack();
    const key = kms.Key.fromKeyArn(s, 'Key', otherRegionKey.replace('eu-west-1', 'us-east-1'));
    new SecureRepository(s, 'Repo', { encryptionKey: key });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: otherRegionKey.replace('eu-west-1', 'us-east-1') },
    });
    const agnostic = new Stack(new App(), 'Agnostic');
    new SecureRepository(agnostic, 'Repo', { encryptionKey: kms.Key.fromKeyArn(agnostic, 'Key', otherRegionKey) });
    expect(rules.checkEncryption({ encryptionType: 'KMS', kmsKey: Token.asString({ Ref: 'K' }), region: 'us-east-1' })).toEqual([]);
  });
});

describe('repository warnings: ECRB-REPO-MUTABLE-TAGS, ECRB-REPO-NO-SCAN, ECRB-REPO-NO-LIFECYCLE', () => {
  test('each opt-out is a warning that names the setting and the controls it fails', () => {
    const s = stack();
    new SecureRepository(s, 'Repo', { immutableTags: false, scanOnPush: false, lifecycleRules: [] });
    const annotations = Annotations.fromStack(s);
    annotations.hasWarning('/Test/Repo', Match.stringLikeRegexp('^immutableTags "MUTABLE": .*fails Security Hub ECR.2 and Control Tower CT.ECR.PR.3'));
    // One warning per opt-out: the immutableTags rule is the only one that names CT.ECR.PR.3 for a MUTABLE repository.
    expect(annotations.findWarning('/Test/Repo', Match.stringLikeRegexp('CT\\.ECR\\.PR\\.3'))).toHaveLength(1);
    annotations.hasWarning('/Test/Repo', Match.stringLikeRegexp('^scanOnPush false: .*fails Security Hub ECR.1 and Control Tower CT.ECR.PR.2'));
    annotations.hasWarning('/Test/Repo', Match.stringLikeRegexp('^lifecycleRules \\[\\]: .*fails Security Hub ECR.3 and Control Tower CT.ECR.PR.1'));
  });

  test('the defaults warn nothing; immutable tags with mutable exclusions warn only that they fail CT.ECR.PR.3', () => {
    const defaults = stack();
    new SecureRepository(defaults, 'Repo');
    Annotations.fromStack(defaults).hasNoWarning('/Test/Repo', Match.anyValue());
    const s = stack();
    new SecureRepository(s, 'Repo', { mutableTags: ['dev-*'] });
    const warnings = Annotations.fromStack(s).findWarning('/Test/Repo', Match.anyValue());
    expect(warnings.map(w => String(w.entry.data))).toEqual([expect.stringContaining('CT.ECR.PR.3')]);
    expect(String(warnings[0].entry.data)).not.toMatch(/^immutableTags|^scanOnPush|^lifecycleRules/);
  });

  test('a registry says its baseline opt-outs once, not for every repository; scanning that covers every repository silences scanOnPush', () => {
    const s = stack();
    const registry = new ContainerRegistry(s, 'Registry', { lifecycleRules: [], scanOnPush: false, scanning: RegistryScanning.basic() });
    registry.addRepository('team/a');
    registry.addRepository('team/b', { immutableTags: false });
    const annotations = Annotations.fromStack(s);
    annotations.hasWarning('/Test/Registry', Match.stringLikeRegexp('^lifecycleRules \\[\\]'));
    annotations.hasNoWarning('/Test/Registry', Match.stringLikeRegexp('^scanOnPush'));
    annotations.hasNoWarning('/Test/Registry/Repository/team--a', Match.anyValue());
    annotations.hasWarning('/Test/Registry/Repository/team--b', Match.stringLikeRegexp('^immutableTags "MUTABLE"'));
    annotations.hasNoWarning('/Test/Registry/Repository/team--b', Match.stringLikeRegexp('^lifecycleRules'));
  });
});

describe('ECRB-LIFECYCLE-RULE / ECRB-LIFECYCLE-POLICY / ECRB-LIFECYCLE-TEXT', () => {
  test('a rule error raised inside SecureRepository names the construct path', () => {
    const s = stack();
    expectRuleError(() => new SecureRepository(s, 'Repo', {
      lifecycleRules: [LifecycleRule.expireUntaggedAfter(3, { priority: 1 }), LifecycleRule.keepNewest(3, { priority: 1, tagPatterns: ['*'] })],
    }), /^Test\/Repo: invalid priority 1: priority 1 is already used by rule "Expire untagged images 3 days after push"/);
  });

  test('a rule error raised inside a ContainerRegistry and a creation template names the construct path', () => {
    const bad = new ContainerRegistry(stack(), 'Registry', {
      lifecycleRules: [LifecycleRule.keepNewest(5, { priority: 1 }), LifecycleRule.expireUntaggedAfter(3, { priority: 2 })],
    });
    expectRuleError(() => bad.addRepository('team/api'), /^Test\/Registry\/Repository\/team--api: invalid priority 1: the tagStatus any rule/);
    const registry = new ContainerRegistry(stack(), 'Registry');
    expectRuleError(() => registry.addCreationTemplate('team', {
      appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH],
      lifecycleRules: [LifecycleRule.keepNewest(5, { priority: 1 }), LifecycleRule.expireUntaggedAfter(3, { priority: 2 })],
    }), /^Test\/Registry\/Template\/team: invalid priority 1: the tagStatus any rule/);
  });

  test('a rule added later to a repository\'s policy is refused at the call, with the path', () => {
    const repo = new SecureRepository(stack(), 'Repo', { lifecycleRules: [LifecycleRule.keepNewest(5, { tagPatterns: ['v*'] })] });
    expectRuleError(() => repo.lifecyclePolicy.addRule(LifecycleRule.keepNewest(7, { tagPatterns: ['v*'] })),
      /^Test\/Repo: invalid tagPatternList \["v\*"\]: "Keep the newest 5 images tagged v\*" \(priority 1\) already selects the same standard tags/);
    // The refused rule was not kept: the repository still synthesizes.
    Template.fromStack(Stack.of(repo)).resourceCountIs('AWS::ECR::Repository', 1);
  });

  test('policy text is checked exactly as LifecyclePolicy.fromJson checks it (the checks plugin\'s entry point)', () => {
    const text = JSON.stringify({
      rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, countUnit: 'days' }, action: { type: 'expire' } }],
    });
    expect(() => LifecyclePolicy.fromJson(text)).toThrow(/countUnit is only accepted with the day count types/);
    expect(checkLifecyclePolicyText(text)).toEqual([expect.objectContaining({
      ruleId: 'ECRB-LIFECYCLE-TEXT',
      level: 'error',
      property: 'LifecyclePolicyText rules[0] (rulePriority 1) selection.countUnit',
      value: 'days',
    })]);
    const good = new LifecyclePolicy({ rules: RepositoryBaseline.defaultLifecycleRules() }).toJson();
    expect(checkLifecyclePolicyText(good)).toEqual([]);
    expect(checkLifecyclePolicyText(Token.asString({ Ref: 'Policy' }))).toEqual([]);
  });
});

describe('lifecycle tokens and limits', () => {
  test('a CfnParameter priority is never rejected, also once a tag is protected', () => {
    const s = stack();
    const priority = new CfnParameter(s, 'Priority', { type: 'Number', minValue: 2 });
    const repo = new SecureRepository(s, 'Repo', { lifecycleRules: [LifecycleRule.expireUntaggedAfter(3, { priority: priority.valueAsNumber })] });
    repo.protectTag('v1.0.0');
    const text = JSON.stringify(Template.fromStack(s).toJSON().Resources);
    expect(text).toContain('{\\"rulePriority\\":",{"Ref":"Priority"}');
    expect(text).toContain('\\"tagPatternList\\":[\\"v1.0.0\\"]');
  });

  test('generated descriptions stay short however long the tag list is', () => {
    const prefixes = Array.from({ length: 100 }, (_, i) => `release-${'x'.repeat(100)}-${i}`);
    const rule = LifecycleRule.keepNewest(5, { tagPrefixes: prefixes });
    expect(rule.description!.length).toBeLessThan(200);
    expect(rule.description).toMatch(/and 97 more$/);
  });

  test('generated descriptions never push an otherwise valid policy over 30,720 characters', () => {
    // 49 rules of four 100-character patterns: about 27,000 characters without descriptions, over 30,720 with the generated ones.
    const patterns = (i: number) => ['a', 'b', 'c', 'd'].map(c => `${c}${String(i).padStart(2, '0')}${c.repeat(96)}*`);
    const make = (description?: string) => new LifecyclePolicy({
      rules: [
        LifecycleRule.expireUntaggedAfter(3, { description }),
        ...Array.from({ length: 48 }, (_, i) => LifecycleRule.keepNewest(5, { tagPatterns: patterns(i) })),
      ],
    });
    const withDescriptions = JSON.stringify({ rules: make().resolvedRules().map(r => ({ d: r.description, p: r.tagPatternList, x: '-'.repeat(150) })) });
    expect(withDescriptions.length).toBeGreaterThan(30_720);
    const text = make().toJson();
    expect(text.length).toBeLessThanOrEqual(30_720);
    expect(make().validate()).toEqual([]);
    expect(JSON.parse(text).rules.map((r: any) => r.description)).toEqual(Array(49).fill(undefined));
    // A description the user gave is kept.
    expect(JSON.parse(make('mine').toJson()).rules[0].description).toBe('mine');
    // Under the limit, the generated descriptions stay.
    expect(JSON.parse(new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(3)] }).toJson()).rules[0].description)
      .toBe('Expire untagged images 3 days after push');
  });

  test('the 30,720-character limit is still an error when the rules themselves exceed it', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(3)] });
    for (let i = 0; i < 48; i++) policy.addRule(LifecycleRule.keepNewest(5, { tagPatterns: [`${i}-${'p'.repeat(120)}`, `${'q'.repeat(120)}-${i}*`, `${'r'.repeat(120)}${i}*`, `${'s'.repeat(120)}${i}`] }));
    expect(policy.validate()).toEqual([expect.stringMatching(/^LifecyclePolicy: invalid policy text "\d+ characters": ECR lifecycle policy text must be 100-30720 characters \(generated descriptions already left out\)$/)]);
  });
});

describe('ECRB-REGISTRY-SCANNING', () => {
  test('continuous scanning with BASIC is refused', () => {
    expectRuleError(() => new ContainerRegistry(stack(), 'Registry', {
      scanning: RegistryScanning.custom(ScanType.BASIC, [{ frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['*'] }]),
    }), /^Test\/Registry: invalid scanning \(RegistryScanning.custom\) frequency "CONTINUOUS_SCAN": continuous scanning needs ENHANCED scanning/);
  });

  test('two rules with 100 filters of 255 characters pass', () => {
    const filters = Array.from({ length: 100 }, (_, i) => `${'a'.repeat(250)}${String(i).padStart(4, '0')}*`);
    const s = stack();
    new ContainerRegistry(s, 'Registry', {
      scanning: RegistryScanning.custom(ScanType.ENHANCED, [
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: filters },
        { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['*'] },
      ]),
    });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', { ScanType: 'ENHANCED' });
    expect(rules.checkRegistryScanning('ENHANCED', [{ frequency: 'SCAN_ON_PUSH', filters: ['*'] }, { frequency: 'SCAN_ON_PUSH', filters: ['a'] }, { frequency: 'SCAN_ON_PUSH', filters: ['b'] }]))
      .toEqual([expect.objectContaining({ ruleId: 'ECRB-REGISTRY-SCANNING', rule: 'must have 0-2 entries (got 3)' })]);
  });
});

describe('ECRB-REPLICATION', () => {
  test('the source registry itself is refused', () => {
    const registry = new ContainerRegistry(stack(), 'Registry');
    expectRuleError(() => registry.addReplication(ReplicationDestination.region('us-east-1')),
      /^Test\/Registry: invalid replication destination "111111111111\/us-east-1": the destination is the source registry itself/);
  });

  test('26 unique destinations are refused; 25 pass', () => {
    const regions = RegionInfo.regions.filter(r => r.partition === 'aws' && r.name !== 'us-east-1').map(r => r.name);
    const twentyFive = regions.slice(0, 25);
    const s = stack();
    new ContainerRegistry(s, 'Registry', { replicateTo: twentyFive.map(r => ReplicationDestination.region(r)) });
    Template.fromStack(s).resourceCountIs('AWS::ECR::ReplicationConfiguration', 1);
    const other = new ContainerRegistry(stack(), 'Registry', { replicateTo: twentyFive.map(r => ReplicationDestination.region(r)) });
    expectRuleError(() => other.addReplication(ReplicationDestination.account('222222222222', 'eu-west-1')),
      /^Test\/Registry: invalid replication destinations 26: ECR accepts at most 25 unique destinations/);
  });
});

describe('ECRB-PULL-THROUGH-CACHE', () => {
  test('a prefix of 31 characters and a credential secret not named ecr-pullthroughcache/ are refused', () => {
    const registry = new ContainerRegistry(stack(), 'Registry');
    expectRuleError(() => registry.addPullThroughCache('a'.repeat(31), UpstreamRegistry.ecrPublic()),
      /^Test\/Registry\/PullThroughCache\/a{31}: invalid ecrRepositoryPrefix "a{31}": must be 2-30 characters long \(got 31\)/);
    const secret = secretsmanager.Secret.fromSecretNameV2(Stack.of(registry), 'Secret', 'docker-hub');
    expectRuleError(() => registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(secret)),
      /^Test\/Registry\/PullThroughCache\/docker-hub: invalid credential secret name "docker-hub": ECR only reads pull-through cache credentials from secrets whose name starts with "ecr-pullthroughcache\/"/);
  });

  test('a prefix of 30 characters and ROOT pass', () => {
    const registry = new ContainerRegistry(stack(), 'Registry');
    registry.addPullThroughCache('a'.repeat(30), UpstreamRegistry.ecrPublic());
    registry.addPullThroughCache('ROOT', UpstreamRegistry.kubernetes());
    Template.fromStack(Stack.of(registry)).resourceCountIs('AWS::ECR::PullThroughCacheRule', 2);
  });
});

describe('ECRB-CREATION-TEMPLATE', () => {
  test('an alias, a key of another region and an aws: tag are refused', () => {
    const s = stack();
    const registry = new ContainerRegistry(s, 'Registry');
    const alias = kms.Alias.fromAliasName(s, 'Alias', 'alias/ecr');
    expectRuleError(() => registry.addCreationTemplate('a', { appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH], encryptionKey: alias }),
      /^Test\/Registry\/Template\/a: invalid encryptionKey ".*alias\/ecr.*": creation templates need the full key ARN/);
    const key = kms.Key.fromKeyArn(s, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expectRuleError(() => registry.addCreationTemplate('b', { appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH], encryptionKey: key }),
      /^Test\/Registry\/Template\/b: invalid encryptionKey ".*": the key must be in the registry's region \(us-east-1\), it is in eu-west-1/);
    expectRuleError(() => registry.addCreationTemplate('c', { appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH], resourceTags: { 'aws:owner': 'x' } }),
      /^Test\/Registry\/Template\/c: invalid resourceTags key "aws:owner": tag keys starting with "aws:" are reserved for AWS/);
  });

  test('a full key ARN of the region, 50 tags and a 256-character description pass', () => {
    const s = stack();
    const registry = new ContainerRegistry(s, 'Registry');
    const key = kms.Key.fromKeyArn(s, 'Key', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const resourceTags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(256)]));
    registry.addCreationTemplate('team', {
      appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH], encryptionKey: key, resourceTags, description: 'd'.repeat(256),
    });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'team', Description: 'd'.repeat(256) });
  });
});

describe('ECRB-FARGATE-TASK-SIZE / ECRB-CONTAINER-MEMORY', () => {
  function task(s: Stack, memoryLimitMiB = 1024, cpu = 512): TaggedImageTaskDefinition {
    const repo = new SecureRepository(s, 'Repo');
    return new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1' }), cpu, memoryLimitMiB });
  }

  test('a cpu/memory pair Fargate does not offer is refused', () => {
    expectRuleError(() => task(stack(), 1536), /^Test\/Task: invalid memoryLimitMiB 1536: with cpu 512 Fargate accepts memoryLimitMiB 1024, 2048, 3072, 4096$/);
  });

  test('a container added by the user with more memory than the task is refused at synth', () => {
    const s = stack();
    const t = task(s);
    t.addContainer('Sidecar', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'), memoryLimitMiB: 2048 });
    expect(() => Template.fromStack(s)).toThrow(/Test\/Task: invalid container Sidecar memoryLimitMiB 2048: a container cannot have more memory than its task \(1024 MiB\)/);
  });

  test('containers whose reservations add up to more than the task are refused', () => {
    const s = stack();
    const t = task(s);
    t.addContainer('A', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'), memoryReservationMiB: 600 });
    t.addContainer('B', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'), memoryReservationMiB: 600 });
    // The essential container keeps its 6 MiB minimum when the others take the whole task.
    expect(() => Template.fromStack(s)).toThrow(/invalid containers memory "1206 MiB reserved": the containers together reserve more memory than the task has \(1024 MiB\)/);
  });

  test('a container with exactly the task memory, and reservations that add up to it, pass', () => {
    const s = stack();
    const t = task(s);
    t.addContainer('A', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'), memoryLimitMiB: 1024, memoryReservationMiB: 512 });
    // With the essential container's 6 MiB minimum, the reservations add up to exactly the task's 1024 MiB.
    t.addContainer('B', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'), memoryReservationMiB: 506 });
    Template.fromStack(s).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'app', Memory: 6 }), Match.objectLike({ Name: 'A', Memory: 1024 })]),
    });
    expect(rules.checkFargateTaskSize(16384, 122880)).toEqual([]);
    expect(rules.checkFargateTaskSize(256, 512)).toEqual([]);
  });
});

describe('ECRB-IMAGE-TAG / ECRB-IMAGE-LATEST', () => {
  test('a tag starting with . and a short digest are refused', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    expectRuleError(() => ImageReference.fromRepository(repo, { tag: '.v1' }), /^Test\/Repo: invalid tag "\.v1": image tags are 1-128 characters/);
    expectRuleError(() => ImageReference.fromRepository(repo, { digest: 'sha256:abc' }), /^Test\/Repo: invalid digest "sha256:abc": digests are "sha256:" followed by 64/);
  });

  test('a 128-character tag and a full digest pass', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    expect(ImageReference.fromRepository(repo, { tag: `_${'a'.repeat(127)}` }).tag).toHaveLength(128);
    expect(ImageReference.fromRepository(repo, { digest: `sha256:${'0'.repeat(64)}` }).digest).toBeDefined();
  });

  test('deploying latest from an immutable repository warns; protecting latest warns', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'latest' }) });
    Annotations.fromStack(s).hasWarning('/Test/Task', Match.stringLikeRegexp('^tag "latest": in an immutable repository latest is whichever image was pushed with it first'));
    repo.protectTag('latest');
    Annotations.fromStack(s).hasWarning('/Test/Repo', Match.stringLikeRegexp('^protected tag "latest": protecting latest keeps one old image'));
  });

  test('a version tag warns nothing', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'latest-v2' }) });
    Annotations.fromStack(s).hasNoWarning('/Test/Task', Match.stringLikeRegexp('latest'));
  });
});

describe('ECRB-ECS-MUTABLE-TAG / ECRB-ECS-LATEST / ECRB-ECS-NO-TAG / ECRB-ECS-ROOT-USER', () => {
  test('a tag a MUTABLE repository lets move, and latest of an imported repository, are refused with their rule ids', () => {
    const s = stack();
    const mutable = new ecr.Repository(s, 'Plain');
    const moved = errorOf(() => ImageReference.fromRepository(mutable, { tag: 'v1' }));
    expect(moved.message).toMatch(/^Test\/Plain: invalid tag "v1": the repository lets this tag move to another image.*, or set allowMutableTag: true$/);
    expect((moved as any).ruleId).toBe('ECRB-ECS-MUTABLE-TAG');
    const imported = ecr.Repository.fromRepositoryName(s, 'Imported', 'team/app');
    const latest = errorOf(() => ImageReference.fromRepository(imported, { tag: 'latest' }));
    expect(latest.message).toMatch(/^Test\/Imported: invalid tag "latest": latest is the tag every push moves/);
    expect((latest as any).ruleId).toBe('ECRB-ECS-LATEST');
  });

  test('a version tag of an imported repository, and any tag of an immutable one, pass', () => {
    const s = stack();
    const imported = ecr.Repository.fromRepositoryName(s, 'Imported', 'team/app');
    expect(ImageReference.fromRepository(imported, { tag: 'v1' }).tag).toBe('v1');
    expect(ImageReference.fromRepository(new SecureRepository(s, 'Repo'), { tag: 'v1' }).tag).toBe('v1');
  });

  test('the pure rule: what is known of the repository decides; tokens pass (an image without a tag is checked as latest)', () => {
    expect(rules.checkDeployedTag('tag', 'v1', TagMutabilityKnowledge.MUTABLE).map(v => v.ruleId)).toEqual(['ECRB-ECS-MUTABLE-TAG']);
    expect(rules.checkDeployedTag('tag', 'latest', TagMutabilityKnowledge.UNKNOWN).map(v => v.ruleId)).toEqual(['ECRB-ECS-LATEST']);
    expect(rules.checkDeployedTag('tag', 'v1', TagMutabilityKnowledge.UNKNOWN)).toEqual([]);
    expect(rules.checkDeployedTag('tag', 'latest', TagMutabilityKnowledge.IMMUTABLE)).toEqual([]);
    expect(rules.checkDeployedTag('tag', Token.asString({ Ref: 'Tag' }), TagMutabilityKnowledge.MUTABLE)).toEqual([]);
  });

  test('root as user or group is refused; a user named like root but not root passes', () => {
    const s = stack();
    const image = () => ImageReference.fromRepository(new SecureRepository(s, `Repo${s.node.children.length}`), { tag: 'v1' });
    const error = errorOf(() => new TaggedImageTaskDefinition(s, 'Task', { image: image(), user: '1000:0' }));
    expect(error.message).toBe('Test/Task: invalid user "1000:0": the container would run as root; use a non-root user, or set allowRootUser: true');
    expect((error as any).ruleId).toBe('ECRB-ECS-ROOT-USER');
    expect(rules.checkRootUser('user', 'ROOT').map(v => v.ruleId)).toEqual(['ECRB-ECS-ROOT-USER']);
    expect(rules.checkRootUser('user', 'rooter:1000')).toEqual([]);
    expect(rules.checkRootUser('user', Token.asString({ Ref: 'User' }))).toEqual([]);
    expect(new TaggedImageTaskDefinition(s, 'Ok', { image: image(), user: '1000:1000' }).node.id).toBe('Ok');
  });
});

describe('one error class, values as given', () => {
  test('every rule has an id, a level and an AWS source; ids are unique', () => {
    const ids = rules.ALL_RULES.map(r => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of rules.ALL_RULES) {
      expect(rule.id).toMatch(/^ECRB-[A-Z0-9-]+$/);
      expect(['error', 'warning']).toContain(rule.level);
      expect(rule.source.length).toBeGreaterThan(10);
    }
  });

  test('a number token reads ${Token[...]} with a note that it was not checked; a string token reads as itself', () => {
    const s = stack();
    const count = new CfnParameter(s, 'Count', { type: 'Number' }).valueAsNumber;
    expect(show(count)).toMatch(/^\$\{Token\[[^\]]+\]\} \(a token, not checked\)$/);
    expect(show([count])).toMatch(/^\[".*Token.*"\] \(holds a token, not checked\)$/);
    expect(show(Token.asString({ Ref: 'Tag' }))).toMatch(/^"\$\{Token\[[^\]]+\]\}"$/);
    expect(show('arn:aws:kms:eu-west-1:111111111111:key/k')).toBe('"arn:aws:kms:eu-west-1:111111111111:key/k"');
  });
});
