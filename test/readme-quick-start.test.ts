/**
 * The README's quick start, as written there (with a cluster instead of `declare const`), synthesizes.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  ContainerRegistry, ImageReference, LifecycleRule, RegistryScanning, ReplicationDestination,
  SecureRepository, TaggedImageTaskDefinition, UpstreamRegistry,
} from '../src';

test('the quick start synthesizes and protects the deployed tag', () => {
  const app = new App();
  const stack = new Stack(app, 'Platform', { env: { account: '111111111111', region: 'us-east-1' } });

  const registry = new ContainerRegistry(stack, 'Registry', {
    scanning: RegistryScanning.enhanced({ continuous: ['prod/*'], scanOnPush: ['*'] }),
    replicateTo: [ReplicationDestination.region('eu-west-1')],
  });
  const dockerHub = secretsmanager.Secret.fromSecretNameV2(stack, 'Hub', 'ecr-pullthroughcache/docker-hub');
  registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(dockerHub));
  const api = registry.addRepository('team-a/api');

  const task = new TaggedImageTaskDefinition(stack, 'ApiTask', {
    image: ImageReference.fromRepository(api, { tag: 'v1.4.2' }),
    cpu: 512,
    memoryLimitMiB: 1024,
  });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'] }) });
  new ecs.FargateService(stack, 'Api', { cluster, taskDefinition: task });

  const web = new SecureRepository(stack, 'Web', { repositoryName: 'storefront/web', mutableTags: ['latest'] });
  web.protectTag('v2.7.0', 'running in production');
  new SecureRepository(stack, 'Batch', {
    repositoryName: 'storefront/batch-jobs',
    lifecycleRules: [
      LifecycleRule.expireUntaggedAfter(7),
      LifecycleRule.keepNewest(20, { tagPatterns: ['release-*'] }),
      LifecycleRule.archiveAfterDaysSinceLastPull(60, { tagPatterns: ['nightly-*'] }),
      LifecycleRule.expireArchivedAfter(180),
    ],
  });

  const template = Template.fromStack(stack);
  const repos = template.findResources('AWS::ECR::Repository', { Properties: { RepositoryName: 'team-a/api' } });
  const [repo] = Object.values(repos);
  const rules = JSON.parse(repo.Properties.LifecyclePolicyText ?? repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
  expect(rules[0].selection.tagPatternList).toEqual(['v1.4.2']);
  template.resourceCountIs('AWS::ECR::PullThroughCacheRule', 1);
  template.resourceCountIs('AWS::ECR::ReplicationConfiguration', 1);
});
