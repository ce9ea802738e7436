import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT, envStack, OTHER_ACCOUNT, onlyResource } from './helpers';
import { ContainerRegistry, LifecycleRule, ReplicationDestination } from '../../src';

function replicationRules(stack: Stack): any[] {
  return stack.resolve(onlyResource(stack, 'AWS::ECR::ReplicationConfiguration').Properties.ReplicationConfiguration.Rules);
}

describe('replication to a region or an account', () => {
  test('destinations with the same prefixes share a rule; filters are PREFIX_MATCH', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', {
      replicateTo: [ReplicationDestination.region('eu-west-1'), ReplicationDestination.account(OTHER_ACCOUNT, 'us-east-1', { repositoryPrefixes: ['prod/'] })],
    });
    registry.addReplication(ReplicationDestination.region('ap-southeast-2'));
    expect(replicationRules(stack)).toEqual([
      { Destinations: [{ Region: 'eu-west-1', RegistryId: ACCOUNT }, { Region: 'ap-southeast-2', RegistryId: ACCOUNT }] },
      { Destinations: [{ Region: 'us-east-1', RegistryId: OTHER_ACCOUNT }], RepositoryFilters: [{ Filter: 'prod/', FilterType: 'PREFIX_MATCH' }] },
    ]);
    expect(registry.replicationDestinations).toHaveLength(3);
  });

  test('a synth warning says replicated repositories are not hardened without a template', () => {
    const stack = envStack();
    new ContainerRegistry(stack, 'Registry', {
      replicateTo: [ReplicationDestination.region('eu-west-1'), ReplicationDestination.account(OTHER_ACCOUNT, 'us-east-1')],
    });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Test/Registry', Match.stringLikeRegexp(
      'ReplicationDestination.region\\("eu-west-1"\\): the repositories that replication creates in 111111111111/eu-west-1 get ECR\'s defaults ' +
      '\\(mutable tags, AES256, no lifecycle policy\\) unless that registry has a REPLICATION creation template'));
    annotations.hasWarning('/Test/Registry', Match.stringLikeRegexp(
      'ReplicationDestination.account\\("222222222222", "us-east-1"\\).*its registry policy must allow ecr:ReplicateImage and ecr:CreateRepository to account 111111111111'));
  });

  test('no replication configuration without destinations', () => {
    const stack = envStack();
    new ContainerRegistry(stack, 'Registry');
    Template.fromStack(stack).resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
  });

  test('tokens are not rejected', () => {
    const stack = envStack();
    const region = new CfnParameter(stack, 'Region').valueAsString;
    const account = new CfnParameter(stack, 'Account').valueAsString;
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    new ContainerRegistry(stack, 'Registry', { replicateTo: [ReplicationDestination.account(account, region, { repositoryPrefixes: [prefix] })] });
    expect(replicationRules(stack)).toEqual([{
      Destinations: [{ Region: { Ref: 'Region' }, RegistryId: { Ref: 'Account' } }],
      RepositoryFilters: [{ Filter: { Ref: 'Prefix' }, FilterType: 'PREFIX_MATCH' }],
    }]);
  });
});

describe('replication to another ContainerRegistry of the app', () => {
  function app3() {
    const app = new App();
    const primaryStack = envStack(app, 'Primary');
    const regionStack = envStack(app, 'SecondRegion', ACCOUNT, 'eu-west-1');
    const accountStack = envStack(app, 'OtherAccount', OTHER_ACCOUNT, 'us-east-1');
    const secondRegion = new ContainerRegistry(regionStack, 'Registry', { lifecycleRules: [LifecycleRule.expireUntaggedAfter(5)] });
    const otherAccount = new ContainerRegistry(accountStack, 'Registry');
    const primary = new ContainerRegistry(primaryStack, 'Registry', {
      replicateTo: [ReplicationDestination.registry(secondRegion), ReplicationDestination.registry(otherAccount, { repositoryPrefixes: ['prod/'] })],
    });
    return { app, primaryStack, regionStack, accountStack, primary, secondRegion, otherAccount };
  }

  test('the source replicates to the destinations\' account and region, with no warning', () => {
    const { primaryStack } = app3();
    expect(replicationRules(primaryStack)).toEqual([
      { Destinations: [{ Region: 'eu-west-1', RegistryId: ACCOUNT }] },
      { Destinations: [{ Region: 'us-east-1', RegistryId: OTHER_ACCOUNT }], RepositoryFilters: [{ Filter: 'prod/', FilterType: 'PREFIX_MATCH' }] },
    ]);
    Annotations.fromStack(primaryStack).hasNoWarning('*', Match.stringLikeRegexp('replication'));
  });

  test('each destination gets a ROOT REPLICATION template with its own baseline and key', () => {
    const { regionStack } = app3();
    Template.fromStack(regionStack).hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'ROOT',
      AppliedFor: ['REPLICATION'],
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryKey'), 'Arn'] } },
      LifecyclePolicy: Match.stringLikeRegexp('"countNumber":5'),
      CustomRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryTemplateRole'), 'Arn'] },
    });
  });

  test('same account: no registry policy; other account: a statement for the source account', () => {
    const { regionStack, accountStack } = app3();
    Template.fromStack(regionStack).resourceCountIs('AWS::ECR::RegistryPolicy', 0);
    const policy = onlyResource(accountStack, 'AWS::ECR::RegistryPolicy');
    expect(accountStack.resolve(policy.Properties.PolicyText.Statement)).toEqual([{
      Sid: 'ReplicationFrom111111111111',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
      Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:222222222222:repository/*']] },
    }]);
  });

  test('the source stack deploys after the destinations', () => {
    const { primaryStack, regionStack, accountStack } = app3();
    expect(primaryStack.dependencies).toEqual(expect.arrayContaining([regionStack, accountStack]));
  });

  test('two sources into one destination share its template and each get a statement', () => {
    const app = new App();
    const destination = new ContainerRegistry(envStack(app, 'Dest', OTHER_ACCOUNT), 'Registry');
    new ContainerRegistry(envStack(app, 'A', ACCOUNT), 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] });
    new ContainerRegistry(envStack(app, 'B', '333333333333'), 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] });
    const stack = Stack.of(destination);
    Template.fromStack(stack).resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 1);
    expect(onlyResource(stack, 'AWS::ECR::RegistryPolicy').Properties.PolicyText.Statement).toHaveLength(2);
  });
});

describe('replication validation', () => {
  function registry(app = new App()): ContainerRegistry {
    return new ContainerRegistry(envStack(app), 'Registry');
  }

  test('destination equal to the source environment', () => {
    expect(() => registry().addReplication(ReplicationDestination.region('us-east-1')))
      .toThrow(/^Test\/Registry: invalid replication destination "111111111111\/us-east-1": the destination is the source registry itself/);
    expect(() => registry().addReplication(ReplicationDestination.account(ACCOUNT, 'us-east-1')))
      .toThrow(/invalid replication destination "111111111111\/us-east-1": the destination is the source registry itself/);
  });

  test('a registry replicating to itself', () => {
    const r = registry();
    expect(() => r.addReplication(ReplicationDestination.registry(r)))
      .toThrow(/^Test\/Registry: invalid replication destination "Test\/Registry": a registry cannot replicate to itself/);
  });

  test('region names', () => {
    expect(() => registry().addReplication(ReplicationDestination.region('europe')))
      .toThrow(/^Test\/Registry: invalid replication destination region "europe": region names look like "eu-west-1"/);
  });

  test('12-digit accounts', () => {
    expect(() => registry().addReplication(ReplicationDestination.account('12345', 'eu-west-1')))
      .toThrow(/^Test\/Registry: invalid replication destination account "12345": account ids are exactly 12 digits/);
  });

  test('filter length and syntax', () => {
    expect(() => registry().addReplication(ReplicationDestination.region('eu-west-1', { repositoryPrefixes: ['a'] })))
      .toThrow(/^Test\/Registry: invalid replication repositoryPrefix "a": must be 2-256 characters long \(got 1\)/);
    expect(() => registry().addReplication(ReplicationDestination.region('eu-west-1', { repositoryPrefixes: ['Prod'] })))
      .toThrow(/^Test\/Registry: invalid replication repositoryPrefix "Prod": replication prefixes are lowercase letters/);
  });

  test('at most 100 filters, no repeats', () => {
    const prefixes = Array.from({ length: 101 }, (_, i) => `team-${i}`);
    expect(() => registry().addReplication(ReplicationDestination.region('eu-west-1', { repositoryPrefixes: prefixes })))
      .toThrow(/^Test\/Registry: invalid replication repositoryPrefixes .*: must have 0-100 entries \(got 101\)/);
    expect(() => registry().addReplication(ReplicationDestination.region('eu-west-1', { repositoryPrefixes: ['prod', 'prod'] })))
      .toThrow(/invalid replication repositoryPrefixes \["prod","prod"\]: entries must be unique/);
  });

  test('the same destination with the same prefixes twice', () => {
    const r = registry();
    r.addReplication(ReplicationDestination.region('eu-west-1'));
    expect(() => r.addReplication(ReplicationDestination.region('eu-west-1')))
      .toThrow(/^Test\/Registry: invalid replication destination "111111111111\/eu-west-1": this destination is already configured with the same repository prefixes/);
  });

  test('at most 10 rules', () => {
    const r = registry();
    for (let i = 0; i < 10; i++) r.addReplication(ReplicationDestination.region('eu-west-1', { repositoryPrefixes: [`team-${i}`] }));
    expect(() => r.addReplication(ReplicationDestination.region('eu-west-1', { repositoryPrefixes: ['team-10'] })))
      .toThrow(/^Test\/Registry: invalid replication rules 11: ECR accepts at most 10 replication rules/);
  });

  test('at most 25 unique destinations', () => {
    const r = registry();
    const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1'];
    for (let a = 0; a < 5; a++) {
      for (const region of regions) r.addReplication(ReplicationDestination.account(`${a + 2}`.repeat(12), region));
    }
    expect(() => r.addReplication(ReplicationDestination.account('777777777777', 'eu-west-1')))
      .toThrow(/^Test\/Registry: invalid replication destinations 26: ECR accepts at most 25 unique destinations across all replication rules/);
  });

  test('a destination registry needs a concrete environment', () => {
    const app = new App();
    const agnostic = new ContainerRegistry(new Stack(app, 'Agnostic'), 'Registry');
    expect(() => registry(app).addReplication(ReplicationDestination.registry(agnostic)))
      .toThrow(/^Test\/Registry: invalid replication destination "Agnostic\/Registry": the destination ContainerRegistry needs a stack with a concrete account and region/);
  });

  test('replicating to a registry needs a concrete source environment', () => {
    const app = new App();
    const destination = new ContainerRegistry(envStack(app, 'Dest', ACCOUNT, 'eu-west-1'), 'Registry');
    const source = new ContainerRegistry(new Stack(app, 'Agnostic'), 'Registry');
    expect(() => source.addReplication(ReplicationDestination.registry(destination)))
      .toThrow(/^Agnostic\/Registry: invalid replication source "Agnostic\/Registry": replicating to a ContainerRegistry needs a concrete account and region/);
  });
});
