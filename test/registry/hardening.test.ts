/**
 * Hardening is never silently replaced: replicated repositories keep the baseline, and no
 * repository outlives the registry key that encrypts it.
 */
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { envStack } from './helpers';
import { ContainerRegistry, LifecycleRule, ReplicationDestination, RepositoryCreationScenario } from '../../src';

const sandbox = {
  appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH],
  immutableTags: false,
  encryption: ecr.RepositoryEncryption.AES_256,
  lifecycleRules: [LifecycleRule.expireTaggedAfter(3, { tagPatterns: ['*'] })],
};

describe('replication into a registry that has a template for the prefix', () => {
  test('a ROOT sandbox template in the destination fails synth, naming both templates', () => {
    const app = new App();
    const destination = new ContainerRegistry(envStack(app, 'Dest', '111111111111', 'eu-west-1'), 'Registry');
    destination.addCreationTemplate('ROOT', sandbox);
    expect(() => new ContainerRegistry(envStack(app, 'Source'), 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] }))
      .toThrow(/^Source\/Registry: invalid replication destination "Dest\/Registry": the destination registry already has the creation template Dest\/Registry\/Template\/ROOT for prefix ROOT with settings of its own \(MUTABLE tags, 1 lifecycle rules\).*instead of the baseline/);
  });

  test('a sandbox template added after the replication fails too, naming the replication template and its source', () => {
    const app = new App();
    const destination = new ContainerRegistry(envStack(app, 'Dest', '111111111111', 'eu-west-1'), 'Registry');
    new ContainerRegistry(envStack(app, 'Source'), 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] });
    expect(() => destination.addCreationTemplate('ROOT', sandbox))
      .toThrow(/^Dest\/Registry: invalid prefix "ROOT": the creation template Dest\/Registry\/Template\/ROOT gives the baseline to the repositories replicated from Source\/Registry/);
  });

  test('boundary: a sandbox template with a prefix of its own leaves the replicated repositories the baseline', () => {
    const app = new App();
    const destStack = envStack(app, 'Dest', '111111111111', 'eu-west-1');
    const destination = new ContainerRegistry(destStack, 'Registry');
    destination.addCreationTemplate('sandbox', sandbox);
    new ContainerRegistry(envStack(app, 'Source'), 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] });
    const t = Template.fromStack(destStack);
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'ROOT', AppliedFor: ['REPLICATION'], ImageTagMutability: 'IMMUTABLE', EncryptionConfiguration: Match.objectLike({ EncryptionType: 'KMS' }),
    });
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'sandbox', AppliedFor: ['CREATE_ON_PUSH'], ImageTagMutability: 'MUTABLE' });
  });
});

describe('no repository outlives its key', () => {
  test('a DESTROY registry with a RETAIN repository keeps the key, and says why', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { removalPolicy: RemovalPolicy.DESTROY });
    registry.addRepository('team-a/api', { removalPolicy: RemovalPolicy.RETAIN });
    const t = Template.fromStack(stack);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
    Annotations.fromStack(stack).hasWarning('/Test/Registry', Match.stringLikeRegexp(
      'the registry\'s key is kept on stack deletion although removalPolicy is destroy: the repository Test/Registry/Repository/team-a--api is kept'));
  });

  test('a DESTROY registry with a creation template keeps the key: ECR-created repositories are never deleted by CloudFormation', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { removalPolicy: RemovalPolicy.DESTROY });
    registry.addCreationTemplate('team-a', { appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH] });
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    Annotations.fromStack(stack).hasWarning('/Test/Registry', Match.stringLikeRegexp('the creation template Test/Registry/Template/team-a encrypts'));
  });

  test('boundary: a DESTROY registry whose repositories are all DESTROY deletes the key with them', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry', { removalPolicy: RemovalPolicy.DESTROY });
    registry.addRepository('team-a/api');
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    Annotations.fromStack(stack).hasNoWarning('/Test/Registry', Match.stringLikeRegexp('key is kept'));
  });
});
