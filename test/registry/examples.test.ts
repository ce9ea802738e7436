/**
 * The registry examples: the stacks they synthesize (snapshots through the hash-stripping
 * serializer), zero unacknowledged cdk-nag findings, and the hardening they promise.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp as multiRegion } from '../../examples/multi-region-registry/app';
import { buildApp as pullThroughCache } from '../../examples/pull-through-cache/app';
import { nagFindings } from '../../scripts/compliance';
import { stableTemplate } from '../util/snapshot';

function synth(build: (app?: App) => App): { app: App; stacks: Stack[] } {
  const app = build(new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } }));
  app.synth();
  return { app, stacks: app.node.findAll().filter((c): c is Stack => Stack.isStack(c)) };
}

describe('examples/multi-region-registry', () => {
  const { app, stacks } = synth(multiRegion);
  const byName = (name: string) => stacks.find(s => s.stackName === name)!;

  test.each(['RegistryPrimary', 'RegistrySecondRegion', 'RegistryProductionAccount'])('%s matches its snapshot', (name) => {
    expect(stableTemplate(Template.fromStack(byName(name)).toJSON())).toMatchSnapshot();
  });

  test('both destinations harden replicated repositories; the production account lets the primary replicate', () => {
    for (const name of ['RegistrySecondRegion', 'RegistryProductionAccount']) {
      Template.fromStack(byName(name)).hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'ROOT', AppliedFor: ['REPLICATION'], ImageTagMutability: 'IMMUTABLE' });
    }
    Template.fromStack(byName('RegistryProductionAccount')).resourceCountIs('AWS::ECR::RegistryPolicy', 1);
    Template.fromStack(byName('RegistrySecondRegion')).resourceCountIs('AWS::ECR::RegistryPolicy', 0);
  });

  test('resource counts', () => {
    expect(Object.fromEntries(stacks.map(s => [s.stackName, Object.keys(Template.fromStack(s).toJSON().Resources).length]))).toEqual({
      RegistrySecondRegion: 5,
      RegistryProductionAccount: 6,
      RegistryPrimary: 6,
    });
  });

  test('no unacknowledged cdk-nag findings', () => {
    expect(nagFindings(app)).toEqual([]);
  });
});

describe('examples/pull-through-cache', () => {
  const { app, stacks } = synth(pullThroughCache);
  const [stack] = stacks;

  test('matches its snapshot', () => {
    expect(stableTemplate(Template.fromStack(stack).toJSON())).toMatchSnapshot();
  });

  test('two rules, each with a hardened template; Docker Hub with its CMK-encrypted secret', () => {
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', 2);
    t.resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 2);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { UpstreamRegistry: 'docker-hub', CredentialArn: { Ref: 'DockerHubCredentialsD9EB8298' } });
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'ecr-pullthroughcache/docker-hub', KmsKeyId: { 'Fn::GetAtt': ['CredentialsKeyA24B74BF', 'Arn'] } });
    expect(Object.keys(t.toJSON().Resources)).toHaveLength(12);
  });

  test('no unacknowledged cdk-nag findings', () => {
    expect(nagFindings(app)).toEqual([]);
  });
});
