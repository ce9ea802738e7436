import { App, CfnParameter, Errors, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { nagFindings } from '../../scripts/compliance';
import { LifecycleRule, RepositoryBaseline, SecureRepository } from '../../src';

function stack(): Stack {
  return new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'us-east-1' } });
}

function lifecycleRules(template: Template): any[] {
  const repos = template.findResources('AWS::ECR::Repository');
  const [repo] = Object.values(repos);
  return JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
}

describe('SecureRepository defaults', () => {
  test('immutable tags, scan on push, KMS with a rotating customer-managed key, RETAIN', () => {
    const s = stack();
    new SecureRepository(s, 'Repo', { repositoryName: 'team/api' });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    t.hasResource('AWS::ECR::Repository', {
      Properties: {
        RepositoryName: 'team/api',
        ImageTagMutability: 'IMMUTABLE',
        ImageTagMutabilityExclusionFilters: Match.absent(),
        ImageScanningConfiguration: { ScanOnPush: true },
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RepoKey'), 'Arn'] } },
        EmptyOnDelete: Match.absent(),
        RepositoryPolicyText: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('default lifecycle: untagged expire after 14 days, newest 100 tagged images kept', () => {
    const s = stack();
    new SecureRepository(s, 'Repo');
    expect(lifecycleRules(Template.fromStack(s))).toEqual([
      {
        rulePriority: 1,
        description: 'Expire untagged images 14 days after push',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Keep the newest 100 images tagged *',
        selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 100 },
        action: { type: 'expire' },
      },
    ]);
  });

  test('the L1 child is Resource and the key is Key', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    expect(repo.node.defaultChild).toBeInstanceOf(ecr.CfnRepository);
    expect(repo.node.tryFindChild('Key')).toBeInstanceOf(kms.Key);
  });
});

describe('SecureRepository options', () => {
  test('mutable tag exclusions render IMMUTABLE_WITH_EXCLUSION with WILDCARD filters', () => {
    const s = stack();
    new SecureRepository(s, 'Repo', { mutableTags: ['latest', 'dev-*'] });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: [
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' },
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'dev-*' },
      ],
    });
  });

  test('mutable repository with immutable patterns renders MUTABLE_WITH_EXCLUSION', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo', { immutableTags: false, immutableTagPatterns: ['release-*'] });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'MUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: [
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'release-*' },
      ],
    });
    expect(repo.isTagMutable('release-1')).toBe(false);
    expect(repo.isTagMutable('main')).toBe(true);
  });

  test('isTagMutable follows the exclusion filters', () => {
    const repo = new SecureRepository(stack(), 'Repo', { mutableTags: ['latest', 'pr-*-preview'] });
    expect(repo.isTagMutable('latest')).toBe(true);
    expect(repo.isTagMutable('pr-12-preview')).toBe(true);
    expect(repo.isTagMutable('v1.0.0')).toBe(false);
    expect(repo.isTagMutable('latest2')).toBe(false);
  });

  test('a given key is used and no key is created', () => {
    const s = stack();
    const key = new kms.Key(s, 'Shared', { enableKeyRotation: true });
    const repo = new SecureRepository(s, 'Repo', { encryptionKey: key });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Shared'), 'Arn'] } },
    });
    expect(repo.encryptionKey).toBe(key);
  });

  test('security turned off explicitly is honoured', () => {
    const s = stack();
    new SecureRepository(s, 'Repo', {
      immutableTags: false,
      encryption: ecr.RepositoryEncryption.AES_256,
      scanOnPush: false,
      lifecycleRules: [],
      removalPolicy: RemovalPolicy.DESTROY,
      emptyOnDelete: true,
    });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResource('AWS::ECR::Repository', {
      Properties: {
        ImageTagMutability: 'MUTABLE',
        EncryptionConfiguration: { EncryptionType: 'AES256', KmsKey: Match.absent() },
        ImageScanningConfiguration: { ScanOnPush: false },
        LifecyclePolicy: Match.absent(),
        EmptyOnDelete: true,
      },
      DeletionPolicy: 'Delete',
    });
  });

  test('inline props override the baseline they start from', () => {
    const s = stack();
    const baseline = new RepositoryBaseline({ mutableTags: ['latest'], lifecycleRules: [LifecycleRule.expireUntaggedAfter(3)] });
    new SecureRepository(s, 'Repo', { baseline, scanOnPush: false });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageScanningConfiguration: { ScanOnPush: false },
    });
    expect(lifecycleRules(t)).toHaveLength(1);
  });

  test('rules added after construction are rendered', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo', { lifecycleRules: [LifecycleRule.expireUntaggedAfter(3)] });
    repo.lifecyclePolicy.addRule(LifecycleRule.keepNewest(5, { tagPrefixes: ['pr-'] }));
    expect(lifecycleRules(Template.fromStack(s)).map(r => r.rulePriority)).toEqual([1, 2]);
  });

  test('tokens are accepted for the name', () => {
    const s = stack();
    const name = new CfnParameter(s, 'Name').valueAsString;
    new SecureRepository(s, 'Repo', { repositoryName: name });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', { RepositoryName: { Ref: 'Name' } });
  });
});

describe('protectTag', () => {
  test('adds a rule before every other rule that selects exactly the tag and cannot fire', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    repo.protectTag('v1.4.2', 'deployed by ApiTask');
    const rules = lifecycleRules(Template.fromStack(s));
    expect(rules[0]).toEqual({
      rulePriority: 1,
      description: expect.stringContaining('deployed by ApiTask'),
      selection: { tagStatus: 'tagged', tagPatternList: ['v1.4.2'], countType: 'imageCountMoreThan', countNumber: 1000 },
      action: { type: 'expire' },
    });
    expect(rules.map(r => r.rulePriority)).toEqual([1, 2, 3]);
  });

  test('protecting the same tag twice adds one rule', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    repo.protectTag('v1');
    repo.protectTag('v1');
    expect(lifecycleRules(Template.fromStack(s))).toHaveLength(3);
  });

  test('a protection from another stack renders into the repository stack', () => {
    const app = new App();
    const env = { account: '111111111111', region: 'us-east-1' };
    const a = new Stack(app, 'A', { env });
    const b = new Stack(app, 'B', { env });
    const repo = new SecureRepository(a, 'Repo');
    const task = new ecs.FargateTaskDefinition(b, 'Task');
    task.addContainer('app', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v9') });
    repo.protectTag('v9', b.node.path);
    expect(lifecycleRules(Template.fromStack(a))[0].selection.tagPatternList).toEqual(['v9']);
  });

  test('isSecureRepository recognises the class by its marker, not by instanceof; aws-cdk-lib repositories are not', () => {
    const s = new Stack(new App(), 'Test');
    expect(SecureRepository.isSecureRepository(new SecureRepository(s, 'Repo'))).toBe(true);
    expect(SecureRepository.isSecureRepository(new ecr.Repository(s, 'Plain'))).toBe(false);
    expect(SecureRepository.isSecureRepository(undefined)).toBe(false);
  });

  test('rejects a wildcard', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    expect(() => repo.protectTag('v1.*')).toThrow(/Test\/Repo: invalid tag "v1\.\*": image tags are 1-128 characters/);
  });

  test('rejects an unresolved tag', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    const tag = new CfnParameter(s, 'Tag').valueAsString;
    expect(() => repo.protectTag(tag)).toThrow(/must be known at synth time/);
  });
});

describe('grants and repository policy', () => {
  test('grantPull scopes to the repository ARN; GetAuthorizationToken is the only *', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    const role = new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    repo.grantPull(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Arn'] },
          },
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });

  test('grantPullToAccounts adds account principals to the repository policy', () => {
    const s = stack();
    new SecureRepository(s, 'Repo').grantPullToAccounts(['222222222222', '333333333333']);
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: [{
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Effect: 'Allow',
          Principal: {
            AWS: [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::333333333333:root']] },
            ],
          },
          Condition: Match.absent(),
        }],
      },
    });
  });

  test('grantPullToOrganization bounds the principal with aws:PrincipalOrgID', () => {
    const s = stack();
    new SecureRepository(s, 'Repo').grantPullToOrganization('o-abc123def4');
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: [Match.objectLike({
          Principal: { AWS: '*' },
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } },
        })],
      },
    });
  });

  test('grantPullToOrganization acknowledges cdk-nag AwsSolutions-ECR1 on that repository only', () => {
    const s = stack();
    new SecureRepository(s, 'Granted').grantPullToOrganization('o-abc123def4');
    // The same bounded "*" principal written by hand on another repository is still reported there.
    new SecureRepository(s, 'ByHand').addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['ecr:BatchGetImage'],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } },
    }));
    const ecr1 = nagFindings(s.node.root as App).filter(f => f.rule.startsWith('AwsSolutions-ECR1')).map(f => f.resource);
    expect(ecr1.some(r => r.startsWith('Test/ByHand/'))).toBe(true);
    expect(ecr1.filter(r => r.startsWith('Test/Granted/'))).toEqual([]);
    const [acknowledgement] = s.node.findChild('Granted').node.defaultChild!.node.metadata
      .filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map(m => m.data);
    // One acknowledgement, of that rule, naming the organization (aws-cdk-lib prefixes the ids it stores).
    expect(Object.entries(acknowledgement)).toEqual([[expect.stringMatching(/(^|::)AwsSolutions-ECR1$/),
      expect.stringContaining('StringEquals aws:PrincipalOrgID o-abc123def4')]]);
  });

  test('rejects a bad account id', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    expect(() => repo.grantPullToAccounts(['12345'])).toThrow('Test/Repo: invalid accountIds "12345": account ids are exactly 12 digits');
  });

  test('rejects an empty account list', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    expect(() => repo.grantPullToAccounts([])).toThrow(/invalid accountIds \[\]: must have 1-20 entries/);
  });

  test('rejects a bad organization id', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    expect(() => repo.grantPullToOrganization('org-1')).toThrow(/invalid organizationId "org-1": organization ids are "o-"/);
  });

  test('rejects a wildcard principal without an organization condition at synth', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    repo.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'], principals: [new iam.AnyPrincipal()] }));
    expect(() => Template.fromStack(s)).toThrow(/invalid repository policy principal \{"AWS":"\*"\}: anyone \(no condition names an organization or account\) could pull the repository Test\/Repo; .*StringEquals on aws:PrincipalOrgID/);
  });

  test('rejects statements that name resources at synth', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    repo.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage'], principals: [new iam.AccountPrincipal('222222222222')], resources: ['*'],
    }));
    expect(() => Template.fromStack(s)).toThrow(/invalid repository policy resource "\*": repository policy statements apply to the repository itself/);
  });
});

describe('SecureRepository validation', () => {
  test.each([
    ['one character', 'a', /must be 2-256 characters long \(got 1\)/],
    ['257 characters', 'x'.repeat(257), /must be 2-256 characters long \(got 257\)/],
    ['uppercase', 'Team/API', /repository names are 2-256 characters of lowercase letters/],
    ['an empty path segment', 'team//api', /repository names are 2-256 characters of lowercase letters/],
    ['a leading separator', '-team', /repository names are 2-256 characters of lowercase letters/],
  ])('rejects a repository name with %s', (_label, name, expected) => {
    expect(() => new SecureRepository(stack(), 'Repo', { repositoryName: name })).toThrow(expected);
  });

  test('error names the construct path, the property and the value', () => {
    expect(() => new SecureRepository(stack(), 'Repo', { repositoryName: 'Bad' }))
      .toThrow(/^Test\/Repo: invalid repositoryName "Bad": /);
  });

  test('emptyOnDelete needs DESTROY', () => {
    expect(() => new SecureRepository(stack(), 'Repo', { emptyOnDelete: true }))
      .toThrow('Test/Repo: invalid emptyOnDelete true: deleting images on stack deletion needs removalPolicy DESTROY as well');
  });

  test('more than five mutable tag filters', () => {
    expect(() => new SecureRepository(stack(), 'Repo', { mutableTags: ['a', 'b', 'c', 'd', 'e', 'f'] }))
      .toThrow(/Test\/Repo: invalid mutableTags .*must have 1-5 entries \(got 6\)/);
  });

  test('mutable tag filter syntax', () => {
    expect(() => new SecureRepository(stack(), 'Repo', { mutableTags: ['bad tag'] }))
      .toThrow(/invalid mutableTags "bad tag": mutable tag filters are 1-128 characters/);
  });

  test('duplicate mutable tag filters', () => {
    expect(() => new SecureRepository(stack(), 'Repo', { mutableTags: ['latest', 'latest'] }))
      .toThrow(/entries must be unique/);
  });

  test('mutable tags on a mutable repository', () => {
    expect(() => new SecureRepository(stack(), 'Repo', { immutableTags: false, mutableTags: ['latest'] }))
      .toThrow(/invalid mutableTags \["latest"\]: mutable tags only apply when immutableTags is true/);
  });

  test('immutable patterns on an immutable repository', () => {
    expect(() => new RepositoryBaseline({ immutableTagPatterns: ['release-*'] }))
      .toThrow(/RepositoryBaseline: invalid immutableTagPatterns .*only apply when immutableTags is false/);
  });

  test('a key with AES256 encryption', () => {
    const s = stack();
    const key = new kms.Key(s, 'K', { enableKeyRotation: true });
    expect(() => new SecureRepository(s, 'Repo', { encryption: ecr.RepositoryEncryption.AES_256, encryptionKey: key }))
      .toThrow(/Test\/Repo: invalid encryptionKey "Test\/K": an encryption key needs KMS encryption/);
  });

  test('lifecycle rules that conflict are refused when the repository is made, with the path and no resolution error', () => {
    const s = stack();
    const make = () => new SecureRepository(s, 'Repo', {
      lifecycleRules: [
        LifecycleRule.keepNewest(10, { priority: 1 }),
        LifecycleRule.expireUntaggedAfter(5, { priority: 2 }),
      ],
    });
    let error: Error | undefined;
    try {
      make();
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/^Test\/Repo: invalid priority 1: the tagStatus any rule/);
    expect(error?.message).not.toMatch(/Resolution error/);
    expect(Errors.isValidationError(error)).toBe(true);
    // The stack trace reaches this test (the caller), not only token resolution.
    expect(error?.stack).toContain('secure-repository.test.ts');
  });
});

describe('RepositoryBaseline', () => {
  test('withOverrides changes only the given fields', () => {
    const base = new RepositoryBaseline({ mutableTags: ['latest'], scanOnPush: false });
    const derived = base.withOverrides({ lifecycleRules: [] });
    expect(derived.mutableTags).toEqual(['latest']);
    expect(derived.scanOnPush).toBe(false);
    expect(derived.lifecycleRules).toEqual([]);
    expect(base.lifecycleRules).toHaveLength(2);
  });

  test('switching to mutable drops the mutable exclusions', () => {
    const derived = new RepositoryBaseline({ mutableTags: ['latest'] }).withOverrides({ immutableTags: false });
    expect(derived.tagMutability).toBe(ecr.TagMutability.MUTABLE);
  });

  test('switching to AES256 drops the key', () => {
    const s = stack();
    const key = new kms.Key(s, 'K', { enableKeyRotation: true });
    const derived = new RepositoryBaseline({ encryptionKey: key }).withOverrides({ encryption: ecr.RepositoryEncryption.AES_256 });
    expect(derived.encryptionKey).toBeUndefined();
    expect(derived.usesKms).toBe(false);
  });
});

describe('AWS-managed key', () => {
  test('awsManagedKey uses aws/ecr: KMS without a key ARN and no key created', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo', { awsManagedKey: true });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::ECR::Repository', { EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.absent() } });
    expect(repo.encryptionKey).toBeUndefined();
  });

  test('KMS_DSSE gets a customer-managed key by default', () => {
    const s = stack();
    new SecureRepository(s, 'Repo', { encryption: ecr.RepositoryEncryption.KMS_DSSE });
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS_DSSE', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RepoKey'), 'Arn'] } },
    });
  });

  test('rejects awsManagedKey with AES256', () => {
    expect(() => new SecureRepository(stack(), 'Repo', { awsManagedKey: true, encryption: ecr.RepositoryEncryption.AES_256 }))
      .toThrow('Test/Repo: invalid awsManagedKey true: the AWS-managed key needs KMS encryption (encryption is AES256)');
  });

  test('rejects awsManagedKey with a key', () => {
    const s = stack();
    const key = new kms.Key(s, 'K', { enableKeyRotation: true });
    expect(() => new SecureRepository(s, 'Repo', { awsManagedKey: true, encryptionKey: key }))
      .toThrow(/invalid encryptionKey "Test\/K": give a customer-managed key or awsManagedKey: true, not both/);
  });
});
