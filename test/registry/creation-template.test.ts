import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ACCOUNT, envStack, onlyResource } from './helpers';
import {
  ContainerRegistry,
  LifecycleRule,
  ReplicationDestination,
  RepositoryCreationScenario as Scenario,
  RepositoryCreationTemplate,
  UpstreamRegistry,
} from '../../src';

function setup() {
  const stack = envStack();
  const registry = new ContainerRegistry(stack, 'Registry');
  return { stack, registry };
}

describe('CREATE_ON_PUSH templates', () => {
  test('render the registry baseline: mutability, full key ARN, lifecycle text, role', () => {
    const { stack, registry } = setup();
    const template = registry.addCreationTemplate('team-a', { appliedFor: [Scenario.CREATE_ON_PUSH] });
    expect(template).toBeInstanceOf(RepositoryCreationTemplate);
    expect(template.node.path).toBe('Test/Registry/Template/team-a');
    Template.fromStack(stack).hasResource('AWS::ECR::RepositoryCreationTemplate', {
      Properties: {
        Prefix: 'team-a',
        AppliedFor: ['CREATE_ON_PUSH'],
        ImageTagMutability: 'IMMUTABLE',
        ImageTagMutabilityExclusionFilters: Match.absent(),
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryKey'), 'Arn'] } },
        LifecyclePolicy: registry.baseline.lifecyclePolicy().toJson(),
        Description: 'cdk-ecr-blueprints baseline: IMMUTABLE tags, KMS with a customer-managed key, 2 lifecycle rules',
        CustomRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryTemplateRole'), 'Arn'] },
        RepositoryPolicy: Match.absent(),
        ResourceTags: Match.absent(),
      },
    });
  });

  test('overrides, description, repository policy and tags', () => {
    const { stack, registry } = setup();
    const policy = new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('333333333333')], actions: ['ecr:BatchGetImage'] })],
    });
    registry.addCreationTemplate('sandbox', {
      appliedFor: [Scenario.CREATE_ON_PUSH],
      immutableTags: false,
      lifecycleRules: [],
      description: 'Sandbox repositories',
      repositoryPolicy: policy,
      resourceTags: { team: 'platform', cost: 'sandbox' },
    });
    const props = onlyResource(stack, 'AWS::ECR::RepositoryCreationTemplate').Properties;
    expect(props.ImageTagMutability).toBe('MUTABLE');
    expect(props.LifecyclePolicy).toBeUndefined();
    expect(props.Description).toBe('Sandbox repositories');
    expect(props.ResourceTags).toEqual([{ Key: 'cost', Value: 'sandbox' }, { Key: 'team', Value: 'platform' }]);
    expect(JSON.stringify(stack.resolve(props.RepositoryPolicy))).toContain('\\"Action\\":\\"ecr:BatchGetImage\\"');
  });

  test('AES256 without tags needs no role', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('plain', { appliedFor: [Scenario.CREATE_ON_PUSH], encryption: ecr.RepositoryEncryption.AES_256 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      EncryptionConfiguration: { EncryptionType: 'AES256', KmsKey: Match.absent() },
      CustomRoleArn: Match.absent(),
    });
    t.resourceCountIs('AWS::IAM::Role', 0);
  });
});

describe('the template role', () => {
  test('trusted by ecr.amazonaws.com, least privilege scoped to the template prefixes and keys, in a managed policy', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('team-a', { appliedFor: [Scenario.CREATE_ON_PUSH] });
    registry.addCreationTemplate('team-b', { appliedFor: [Scenario.CREATE_ON_PUSH] });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecr.amazonaws.com' } }] },
      Policies: Match.absent(),
    });
    const policy = onlyResource(stack, 'AWS::IAM::ManagedPolicy');
    const [ecrStatement, kmsStatement] = stack.resolve(policy.Properties.PolicyDocument.Statement);
    expect(ecrStatement).toEqual({
      Sid: 'CreateRepositoriesUnderTemplatePrefixes',
      Effect: 'Allow',
      Action: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/team-a/*']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/team-b/*']] },
      ],
    });
    expect(kmsStatement).toEqual({
      Sid: 'UseTemplateKeys',
      Effect: 'Allow',
      Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RegistryKey/), 'Arn'] },
    });
    expect(registry.templateRole).toBeDefined();
  });

  test('a ROOT template collapses the prefixes to every repository', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('team-a', { appliedFor: [Scenario.CREATE_ON_PUSH] });
    registry.addCreationTemplate('ROOT', { appliedFor: [Scenario.CREATE_ON_PUSH] });
    const [ecrStatement] = stack.resolve(onlyResource(stack, 'AWS::IAM::ManagedPolicy').Properties.PolicyDocument.Statement);
    expect(ecrStatement.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/*']] });
  });

  test('tags alone need the role, without key permissions', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('plain', { appliedFor: [Scenario.CREATE_ON_PUSH], encryption: ecr.RepositoryEncryption.AES_256, resourceTags: { team: 'a' } });
    const statements = stack.resolve(onlyResource(stack, 'AWS::IAM::ManagedPolicy').Properties.PolicyDocument.Statement);
    expect(statements.map((s: any) => s.Sid)).toEqual(['CreateRepositoriesUnderTemplatePrefixes']);
  });
});

describe('one template per prefix', () => {
  test('features merge their scenarios into the template of a prefix', () => {
    const app = new App();
    const stack = envStack(app, 'Dest', ACCOUNT, 'eu-west-1');
    const destination = new ContainerRegistry(stack, 'Registry');
    destination.addCreationTemplate('ROOT', { appliedFor: [Scenario.CREATE_ON_PUSH] });
    destination.addPullThroughCache('ROOT', UpstreamRegistry.ecrPublic());
    new ContainerRegistry(envStack(app, 'Source'), 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 1);
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'ROOT', AppliedFor: ['REPLICATION', 'PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'] });
    expect(destination.creationTemplates).toHaveLength(1);
  });

  test('settings given after the registry baseline was applied take over the prefix', () => {
    const { stack, registry } = setup();
    registry.addPullThroughCache('cache', UpstreamRegistry.ecrPublic());
    registry.addCreationTemplate('cache', { appliedFor: [Scenario.CREATE_ON_PUSH], mutableTags: ['latest'] });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      AppliedFor: ['PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'],
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    });
  });

  test('settings given twice for one prefix: an error that names the template', () => {
    const { registry } = setup();
    registry.addCreationTemplate('cache', { appliedFor: [Scenario.CREATE_ON_PUSH], mutableTags: ['latest'] });
    expect(() => registry.addPullThroughCache('cache', UpstreamRegistry.ecrPublic(), { lifecycleRules: [LifecycleRule.expireUntaggedAfter(1)] }))
      .toThrow(/^Test\/Registry\/PullThroughCache\/cache: invalid prefix "cache": the creation template Test\/Registry\/Template\/cache already has settings for this prefix/);
  });

  test('a second template construct for a prefix', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('team-a', { appliedFor: [Scenario.CREATE_ON_PUSH] });
    expect(() => new RepositoryCreationTemplate(stack, 'Again', { registry, prefix: 'team-a', appliedFor: [Scenario.REPLICATION] }))
      .toThrow(/^Test\/Again: invalid prefix "team-a": the registry already has the creation template Test\/Registry\/Template\/team-a for this prefix/);
  });

  test('a template in another stack than its registry', () => {
    const { stack, registry } = setup();
    const other = new Stack(stack.node.root as App, 'Other', { env: { account: ACCOUNT, region: 'us-east-1' } });
    expect(() => new RepositoryCreationTemplate(other, 'T', { registry, prefix: 'x1', appliedFor: [Scenario.CREATE_ON_PUSH] }))
      .toThrow(/^Other\/T: invalid registry "Test\/Registry": a creation template must be in the stack of its ContainerRegistry/);
  });
});

describe('template validation', () => {
  test('prefix rules', () => {
    const { registry } = setup();
    expect(() => registry.addCreationTemplate('Team', { appliedFor: [Scenario.CREATE_ON_PUSH] }))
      .toThrow(/^Test\/Registry\/Template\/Team: invalid prefix "Team": creation template prefixes are ROOT or 1-256 characters/);
    expect(() => registry.addCreationTemplate('a'.repeat(257), { appliedFor: [Scenario.CREATE_ON_PUSH] }))
      .toThrow(/invalid prefix "a{257}": must be 1-256 characters long \(got 257\)/);
  });

  test('appliedFor: 1-3 scenarios, no repeats', () => {
    const { registry } = setup();
    expect(() => registry.addCreationTemplate('a1', { appliedFor: [] }))
      .toThrow(/^Test\/Registry\/Template\/a1: invalid appliedFor \[\]: must have 1-3 entries \(got 0\)/);
    expect(() => registry.addCreationTemplate('a2', { appliedFor: [Scenario.CREATE_ON_PUSH, Scenario.CREATE_ON_PUSH] }))
      .toThrow(/invalid appliedFor \["CREATE_ON_PUSH","CREATE_ON_PUSH"\]: entries must be unique/);
    expect(() => registry.addCreationTemplate('a3', { appliedFor: ['ON_PULL' as Scenario] }))
      .toThrow(/invalid appliedFor "ON_PULL": templates apply to REPLICATION, PULL_THROUGH_CACHE or CREATE_ON_PUSH/);
  });

  test('a token prefix needs an id', () => {
    const { stack, registry } = setup();
    expect(() => registry.addCreationTemplate(new CfnParameter(stack, 'P').valueAsString, { appliedFor: [Scenario.CREATE_ON_PUSH] }))
      .toThrow(/^Test\/Registry: invalid prefix ".*": a prefix that is a token needs an explicit id/);
  });

  test('invalid baseline overrides name the template', () => {
    const { registry } = setup();
    expect(() => registry.addCreationTemplate('b1', { appliedFor: [Scenario.CREATE_ON_PUSH], immutableTags: false, mutableTags: ['latest'] }))
      .toThrow(/^Test\/Registry\/Template\/b1: invalid mutableTags \["latest"\]: mutable tags only apply when immutableTags is true/);
  });

  test('description length', () => {
    const { registry } = setup();
    expect(() => registry.addCreationTemplate('d1', { appliedFor: [Scenario.CREATE_ON_PUSH], description: 'x'.repeat(257) }))
      .toThrow(/^Test\/Registry\/Template\/d1: invalid description "x{257}": must be 0-256 characters long \(got 257\)/);
  });

  test('tags: at most 50, key and value lengths, no aws: keys', () => {
    const { registry } = setup();
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(() => registry.addCreationTemplate('t1', { appliedFor: [Scenario.CREATE_ON_PUSH], resourceTags: many }))
      .toThrow(/^Test\/Registry\/Template\/t1: invalid resourceTags .*: a template holds at most 50 tags \(got 51\)/);
    expect(() => registry.addCreationTemplate('t2', { appliedFor: [Scenario.CREATE_ON_PUSH], resourceTags: { ['k'.repeat(129)]: 'v' } }))
      .toThrow(/invalid resourceTags key "k{129}": must be 1-128 characters long/);
    expect(() => registry.addCreationTemplate('t3', { appliedFor: [Scenario.CREATE_ON_PUSH], resourceTags: { k: 'v'.repeat(257) } }))
      .toThrow(/invalid resourceTags value of k "v{257}": must be 0-256 characters long/);
    expect(() => registry.addCreationTemplate('t4', { appliedFor: [Scenario.CREATE_ON_PUSH], resourceTags: { 'aws:team': 'a' } }))
      .toThrow(/invalid resourceTags key "aws:team": tag keys starting with "aws:" are reserved for AWS/);
  });

  test('a key in another region', () => {
    const { stack, registry } = setup();
    const key = kms.Key.fromKeyArn(stack, 'Far', 'arn:aws:kms:eu-west-1:111111111111:key/abcd');
    expect(() => registry.addCreationTemplate('k1', { appliedFor: [Scenario.CREATE_ON_PUSH], encryptionKey: key }))
      .toThrow(/^Test\/Registry\/Template\/k1: invalid encryptionKey "arn:aws:kms:eu-west-1:111111111111:key\/abcd": the key must be in the registry's region \(us-east-1\), it is in eu-west-1/);
  });

  test('a key given by alias', () => {
    const { stack, registry } = setup();
    const alias = kms.Alias.fromAliasName(stack, 'Alias', 'alias/ecr');
    expect(() => registry.addCreationTemplate('k2', { appliedFor: [Scenario.CREATE_ON_PUSH], encryptionKey: alias }))
      .toThrow(/^Test\/Registry\/Template\/k2: invalid encryptionKey ".*alias\/ecr": creation templates need the full key ARN/);
  });

  function synthWith(options: Partial<Parameters<ContainerRegistry['addCreationTemplate']>[1]>): () => void {
    const app = new App();
    const registry = new ContainerRegistry(envStack(app), 'Registry');
    registry.addCreationTemplate('p1', { appliedFor: [Scenario.CREATE_ON_PUSH], ...options });
    return () => app.synth();
  }

  test('repository policy: * principal only with an organization condition, no resources, principals named', () => {
    const any = new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['ecr:BatchGetImage'] })] });
    expect(synthWith({ repositoryPolicy: any }))
      .toThrow(/Test\/Registry\/Template\/p1: invalid repositoryPolicy principal \{"AWS":"\*"\}: anyone \(no condition names an organization or account\) could pull the repositories created by the template for prefix p1/);
    const withResource = new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('333333333333')], actions: ['ecr:BatchGetImage'], resources: ['*'] })],
    });
    expect(synthWith({ repositoryPolicy: withResource })).toThrow(/invalid repositoryPolicy resource "\*": repository policy statements apply to the repository itself/);
    const noPrincipal = new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'] })] });
    expect(synthWith({ repositoryPolicy: noPrincipal })).toThrow(/invalid repositoryPolicy principal undefined: repository policy statements must name their principals/);
  });

  test('repository policy length', () => {
    const big = new iam.PolicyDocument({
      statements: Array.from({ length: 120 }, (_, i) => new iam.PolicyStatement({
        sid: `S${i}`, principals: [new iam.ArnPrincipal(`arn:aws:iam::${String(i).padStart(12, '3')}:root`)], actions: ['ecr:BatchGetImage'],
      })),
    });
    expect(synthWith({ repositoryPolicy: big })).toThrow(/Test\/Registry\/Template\/p1: invalid repositoryPolicy "1\d{4} characters": a template repository policy is at most 10240 characters/);
  });

  test('an invalid lifecycle policy names the template', () => {
    const { registry } = setup();
    expect(() => registry.addCreationTemplate('l1', {
      appliedFor: [Scenario.CREATE_ON_PUSH],
      lifecycleRules: [LifecycleRule.expireUntaggedAfter(1).withPriority(2), LifecycleRule.keepNewest(5).withPriority(2)],
    })).toThrow(/^Test\/Registry\/Template\/l1: invalid priority 2: priority 2 is already used/);
  });

  test('tokens are not rejected', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry');
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    const description = new CfnParameter(stack, 'Description').valueAsString;
    registry.addCreationTemplate(prefix, { id: 'FromParameter', appliedFor: [Scenario.CREATE_ON_PUSH], description, resourceTags: { team: description } });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: { Ref: 'Prefix' }, Description: { Ref: 'Description' } });
  });
});
