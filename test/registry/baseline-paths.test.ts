/**
 * The invariant the registry exists for: a repository gets the same baseline however it comes to
 * exist in the registry: declared directly, created by replication, by pull-through cache, or on push.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ACCOUNT, envStack, OTHER_ACCOUNT } from './helpers';
import { nagFindings } from '../../scripts/compliance';
import { ContainerRegistry, LifecycleRule, ReplicationDestination, RepositoryCreationScenario, UpstreamRegistry } from '../../src';

interface Hardening {
  readonly mutability: string;
  readonly exclusions: unknown;
  readonly encryption: unknown;
  readonly lifecycle: unknown;
}

describe('the baseline on every creation path', () => {
  const app = new App();
  const stack = envStack(app, 'Destination', OTHER_ACCOUNT, 'eu-west-1');
  const registry = new ContainerRegistry(stack, 'Registry', {
    mutableTags: ['latest'],
    lifecycleRules: [LifecycleRule.expireUntaggedAfter(3), LifecycleRule.keepNewest(30, { tagPatterns: ['v*'] })],
  });
  registry.addRepository('direct/api');
  const credential = new secretsmanager.Secret(stack, 'Hub', { secretName: 'ecr-pullthroughcache/docker-hub' });
  registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(credential));
  registry.addCreationTemplate('pushed', { appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH] });
  new ContainerRegistry(envStack(app, 'Source', ACCOUNT, 'us-east-1'), 'Registry', { replicateTo: [ReplicationDestination.registry(registry)] });

  const template = Template.fromStack(stack);
  const resolve = (x: unknown) => stack.resolve(x);
  const [repository] = Object.values(template.findResources('AWS::ECR::Repository')).map(r => r.Properties);
  const templates = Object.values(template.findResources('AWS::ECR::RepositoryCreationTemplate')).map(r => r.Properties);
  const byScenario = (scenario: string) => templates.find(t => t.AppliedFor.includes(scenario));

  const direct: Hardening = {
    mutability: repository.ImageTagMutability,
    exclusions: repository.ImageTagMutabilityExclusionFilters,
    encryption: resolve(repository.EncryptionConfiguration),
    lifecycle: repository.LifecyclePolicy.LifecyclePolicyText,
  };
  const fromTemplate = (t: any): Hardening => ({
    mutability: t.ImageTagMutability,
    exclusions: t.ImageTagMutabilityExclusionFilters,
    encryption: resolve(t.EncryptionConfiguration),
    lifecycle: t.LifecyclePolicy,
  });

  test('the direct repository is hardened', () => {
    expect(direct.mutability).toBe('IMMUTABLE_WITH_EXCLUSION');
    expect(direct.exclusions).toEqual([{ ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' }]);
    expect(direct.encryption).toEqual({ EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [expect.stringMatching(/^RegistryKey/), 'Arn'] } });
    expect(JSON.parse(direct.lifecycle as string).rules).toHaveLength(2);
  });

  test.each(['REPLICATION', 'PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'])('%s creates repositories with the same mutability, key ARN and lifecycle text', (scenario) => {
    expect(fromTemplate(byScenario(scenario))).toEqual(direct);
  });

  test('scan on push covers every repository, the created ones included', () => {
    template.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      Rules: [{ ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
    expect(repository.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
  });

  test('the templates can use the key: they carry the template role', () => {
    for (const t of templates) expect(resolve(t.CustomRoleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RegistryTemplateRole/), 'Arn'] });
  });
});

describe('compliance of what the registry creates', () => {
  test('no unacknowledged cdk-nag findings; the library acknowledges only the template prefix wildcards', () => {
    const app = new App();
    const destination = new ContainerRegistry(envStack(app, 'Destination', OTHER_ACCOUNT), 'Registry');
    destination.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    new ContainerRegistry(envStack(app, 'Source'), 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] });
    expect(nagFindings(app)).toEqual([]);
    const acknowledged = Stack.of(destination).node.findAll()
      .flatMap(c => c.node.metadata.filter(m => m.type === 'aws:cdk:acknowledged-rules').map(m => ({ path: c.node.path, ids: Object.keys(m.data) })));
    expect(acknowledged).toEqual([
      {
        path: 'Destination/Registry/TemplatePolicy',
        ids: [expect.stringMatching(/AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ecr:us-east-1:222222222222:repository\/ecr-public\/\*\]$/)],
      },
      {
        path: 'Destination/Registry/TemplatePolicy',
        ids: [expect.stringMatching(/AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ecr:us-east-1:222222222222:repository\/\*\]$/)],
      },
    ]);
  });
});
