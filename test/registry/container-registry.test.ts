import { App, CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ACCOUNT, envStack, onlyResource } from './helpers';
import { ContainerRegistry, LifecycleRule, RegistryScanning, RepositoryBaseline, RepositoryCreationScenario, SecureRepository } from '../../src';

describe('ContainerRegistry defaults', () => {
  test('one rotating key kept on deletion, basic scan on push for every repository, nothing else registry-wide', () => {
    const stack = envStack();
    new ContainerRegistry(stack, 'Registry');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'BASIC',
      Rules: [{ ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
    t.resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
    t.resourceCountIs('AWS::ECR::RegistryPolicy', 0);
    t.resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 0);
    t.resourceCountIs('AWS::IAM::Role', 0);
  });

  test('exposes the registry id, region and URI', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry');
    expect(registry.registryId).toBe(ACCOUNT);
    expect(registry.region).toBe('us-east-1');
    expect(stack.resolve(registry.registryUri)).toEqual({
      'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }]],
    });
    expect(ContainerRegistry.isContainerRegistry(registry)).toBe(true);
    expect(ContainerRegistry.isContainerRegistry(stack)).toBe(false);
  });

  test('a given key is shared and no key is created', () => {
    const stack = envStack();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const registry = new ContainerRegistry(stack, 'Registry', { encryptionKey: key });
    registry.addRepository('team/api');
    expect(registry.encryptionKey).toBe(key);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  });

  test('AES256 baseline: no key at all', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { encryption: ecr.RepositoryEncryption.AES_256 });
    registry.addRepository('team/api');
    expect(registry.encryptionKey).toBeUndefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::ECR::Repository', { EncryptionConfiguration: { EncryptionType: 'AES256', KmsKey: Match.absent() } });
  });

  test('the AWS-managed key: no key, repositories and templates encrypted with aws/ecr, no template role', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { awsManagedKey: true });
    registry.addRepository('team/api');
    registry.addCreationTemplate('ROOT', { appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH] });
    expect(registry.encryptionKey).toBeUndefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.resourceCountIs('AWS::IAM::Role', 0);
    t.hasResourceProperties('AWS::ECR::Repository', { EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.absent() } });
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.absent() },
      CustomRoleArn: Match.absent(),
    });
  });

  test('KMS_DSSE: the shared customer-managed key too', () => {
    const stack = envStack();
    new ContainerRegistry(stack, 'Registry', { encryption: ecr.RepositoryEncryption.KMS_DSSE }).addRepository('team/api');
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS_DSSE', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryKey'), 'Arn'] } },
    });
  });

  test('the removal policy applies to the key and the repositories', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { removalPolicy: RemovalPolicy.DESTROY });
    registry.addRepository('team/api');
    const t = Template.fromStack(stack);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Delete' });
  });
});

describe('ContainerRegistry.addRepository', () => {
  test('200 repositories cost one key: every repository uses the shared key and the baseline', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { mutableTags: ['latest'] });
    const repos = Array.from({ length: 200 }, (_, i) => registry.addRepository(`team/service-${i}`));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.resourceCountIs('AWS::ECR::Repository', 200);
    expect(repos[0]).toBeInstanceOf(SecureRepository);
    expect(repos[199].encryptionKey).toBe(registry.encryptionKey);
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'team/service-199',
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryKey'), 'Arn'] } },
      ImageScanningConfiguration: { ScanOnPush: true },
    });
  });

  test('overrides apply to one repository only', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry');
    registry.addRepository('team/api', { lifecycleRules: [LifecycleRule.expireUntaggedAfter(3)], removalPolicy: RemovalPolicy.DESTROY, emptyOnDelete: true });
    registry.addRepository('team/web');
    const t = Template.fromStack(stack);
    t.hasResource('AWS::ECR::Repository', {
      Properties: { RepositoryName: 'team/api', EmptyOnDelete: true, LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"countNumber":3') } },
      DeletionPolicy: 'Delete',
    });
    t.hasResource('AWS::ECR::Repository', { Properties: { RepositoryName: 'team/web', EmptyOnDelete: Match.absent() }, DeletionPolicy: 'Retain' });
  });

  test('the construct id is the repository name, so that it is stable', () => {
    const stack = envStack();
    const repo = new ContainerRegistry(stack, 'Registry').addRepository('team/api');
    expect(repo.node.path).toBe('Test/Registry/Repository/team--api');
  });

  test('a token name needs an explicit id, and is then accepted', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry');
    const name = new CfnParameter(stack, 'Name').valueAsString;
    expect(() => registry.addRepository(name)).toThrow(/^Test\/Registry: invalid repositoryName ".*": a repository name that is a token needs an explicit id/);
    registry.addRepository(name, { id: 'FromParameter' });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { RepositoryName: { Ref: 'Name' } });
  });

  test('rejects an invalid name', () => {
    const registry = new ContainerRegistry(envStack(), 'Registry');
    expect(() => registry.addRepository('Team/API')).toThrow(/^Test\/Registry: invalid repositoryName "Team\/API": repository names are 2-256 characters of lowercase/);
    expect(() => registry.addRepository('a')).toThrow(/^Test\/Registry: invalid repositoryName "a": must be 2-256 characters long \(got 1\)/);
  });

  test('rejects the same repository twice', () => {
    const registry = new ContainerRegistry(envStack(), 'Registry');
    registry.addRepository('team/api');
    expect(() => registry.addRepository('team/api'))
      .toThrow(/^Test\/Registry: invalid repositoryName "team\/api": the registry already has this repository \(Test\/Registry\/Repository\/team--api\)/);
  });

  test('rejects invalid baseline overrides, naming the registry', () => {
    expect(() => new ContainerRegistry(envStack(), 'Registry', { immutableTags: false, mutableTags: ['latest'] }))
      .toThrow(/^Test\/Registry: invalid mutableTags \["latest"\]: mutable tags only apply when immutableTags is true/);
  });
});

describe('one ContainerRegistry per account and region', () => {
  test('a second registry in the same stack is an error that names both', () => {
    const stack = envStack();
    new ContainerRegistry(stack, 'First');
    expect(() => new ContainerRegistry(stack, 'Second'))
      .toThrow(/^Test\/Second: invalid ContainerRegistry "Test\/Second": the stack already has the ContainerRegistry Test\/First; a registry is one per account and region/);
  });

  test('two stacks of the app with the same concrete environment: an error that names both', () => {
    const app = new App();
    new ContainerRegistry(envStack(app, 'One'), 'Registry');
    expect(() => new ContainerRegistry(envStack(app, 'Two'), 'Registry'))
      .toThrow(/^Two\/Registry: invalid ContainerRegistry "111111111111\/us-east-1": the ContainerRegistry One\/Registry already manages the registry of this account and region/);
  });

  test('another region or another account is fine', () => {
    const app = new App();
    new ContainerRegistry(envStack(app, 'One'), 'Registry');
    new ContainerRegistry(envStack(app, 'Two', ACCOUNT, 'eu-west-1'), 'Registry');
    new ContainerRegistry(envStack(app, 'Three', '222222222222', 'us-east-1'), 'Registry');
  });

  test('environment-agnostic stacks cannot be compared and are accepted', () => {
    const app = new App();
    new ContainerRegistry(new Stack(app, 'One'), 'Registry');
    new ContainerRegistry(new Stack(app, 'Two'), 'Registry');
  });
});

describe('registry policy', () => {
  test('typed statements render into one AWS::ECR::RegistryPolicy, added late too', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry');
    registry.allowReplicationFrom('333333333333');
    registry.addToRegistryPolicy(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal('444444444444')],
      actions: ['ecr:BatchImportUpstreamImage'],
      resources: [registry.repositoryArnForPrefix('docker-hub')],
    }));
    const policy = onlyResource(stack, 'AWS::ECR::RegistryPolicy');
    expect(stack.resolve(policy.Properties.PolicyText.Statement)).toEqual([
      {
        Sid: 'ReplicationFrom333333333333',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::333333333333:root']] } },
        Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/*']] },
      },
      {
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::444444444444:root']] } },
        Action: 'ecr:BatchImportUpstreamImage',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/docker-hub/*']] },
      },
    ]);
  });

  test('allowReplicationFrom is idempotent and checks the account', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry');
    registry.allowReplicationFrom('333333333333');
    registry.allowReplicationFrom('333333333333');
    expect(onlyResource(stack, 'AWS::ECR::RegistryPolicy').Properties.PolicyText.Statement).toHaveLength(1);
    expect(() => registry.allowReplicationFrom('3333')).toThrow(/^Test\/Registry: invalid sourceAccount "3333": account ids are exactly 12 digits/);
    expect(() => registry.allowPullThroughCacheFrom('x')).toThrow(/^Test\/Registry: invalid cacheAccount "x": account ids are exactly 12 digits/);
  });

  function withStatement(statement: iam.PolicyStatement): () => void {
    const app = new App();
    const stack = envStack(app);
    new ContainerRegistry(stack, 'Registry').addToRegistryPolicy(statement);
    return () => app.synth();
  }

  test('rejects a * principal without an organization condition', () => {
    expect(withStatement(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['ecr:ReplicateImage'], resources: [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`] })))
      .toThrow(/Test\/Registry: invalid registry policy principal \{"AWS":"\*"\}: anyone \(no condition names an organization or account\) could replicate into the repositories of the registry Test\/Registry; an Allow with a "\*" principal needs a condition/);
  });

  test('accepts a * principal bounded to an organization', () => {
    expect(withStatement(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['ecr:ReplicateImage'],
      resources: [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
    }))).not.toThrow();
  });

  test('rejects a statement without principal', () => {
    expect(withStatement(new iam.PolicyStatement({ actions: ['ecr:ReplicateImage'], resources: [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`] })))
      .toThrow(/Test\/Registry: invalid registry policy principal undefined: registry policy statements must name their principals/);
  });

  test('rejects actions of other services', () => {
    expect(withStatement(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('333333333333')], actions: ['s3:GetObject'], resources: [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`] })))
      .toThrow(/Test\/Registry: invalid registry policy action "s3:GetObject": registry policies only take ecr: actions/);
  });

  test('rejects statements without resources, and repositories of another registry', () => {
    expect(withStatement(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('333333333333')], actions: ['ecr:ReplicateImage'] })))
      .toThrow(/Test\/Registry: invalid registry policy resource undefined: registry policy statements must name the repositories/);
    expect(withStatement(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('333333333333')], actions: ['ecr:ReplicateImage'], resources: ['arn:aws:ecr:eu-west-1:999999999999:repository/*'] })))
      .toThrow(/Test\/Registry: invalid registry policy resource "arn:aws:ecr:eu-west-1:999999999999:repository\/\*": registry policy statements can only name repositories of this registry/);
  });

  test('rejects a policy over 10,240 characters', () => {
    const resources = Array.from({ length: 200 }, (_, i) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-${i}/*`);
    expect(withStatement(new iam.PolicyStatement({ principals: [new iam.ArnPrincipal('arn:aws:iam::333333333333:root')], actions: ['ecr:ReplicateImage'], resources })))
      .toThrow(/Test\/Registry: invalid registry policy "1\d{4} characters": registry policies are at most 10240 characters/);
  });
});

describe('scanning configuration', () => {
  test('a registry scanning configuration without * warns that the rest is not scanned', () => {
    const stack = envStack();
    new ContainerRegistry(stack, 'Registry', { scanning: RegistryScanning.basic({ scanOnPush: ['prod/*'] }) });
    Annotations.fromStack(stack).hasWarning('/Test/Registry', Match.stringLikeRegexp('has no "\\*" rule: the repositories it does not select are not scanned'));
  });

  test('the baseline of the registry is exposed', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { baseline: new RepositoryBaseline({ mutableTags: ['latest'] }), scanOnPush: true });
    expect(registry.baseline.mutableTags).toEqual(['latest']);
    expect(registry.baseline.encryptionKey).toBe(registry.encryptionKey);
  });
});
