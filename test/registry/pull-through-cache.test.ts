import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

import { ACCOUNT, envStack, OTHER_ACCOUNT, onlyResource } from './helpers';
import { nagFindings } from '../../scripts/compliance';
import { ContainerRegistry, ImageReference, PullThroughCacheRule, RepositoryCreationScenario, UpstreamRegistry } from '../../src';

function setup() {
  const stack = envStack();
  const registry = new ContainerRegistry(stack, 'Registry');
  const secret = (id: string, name?: string) => new secretsmanager.Secret(stack, id, { secretName: name ?? `ecr-pullthroughcache/${id.toLowerCase()}` });
  return { stack, registry, secret };
}

describe('upstream registries', () => {
  test.each([
    ['ecr-public', () => UpstreamRegistry.ecrPublic(), 'ecr-public', 'public.ecr.aws'],
    ['k8s', () => UpstreamRegistry.kubernetes(), 'k8s', 'registry.k8s.io'],
    ['quay', () => UpstreamRegistry.quay(), 'quay', 'quay.io'],
  ])('%s needs no credential', (prefix, upstream, type, url) => {
    const { stack, registry } = setup();
    registry.addPullThroughCache(prefix, upstream());
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: prefix,
      UpstreamRegistry: type,
      UpstreamRegistryUrl: url,
      CredentialArn: Match.absent(),
      CustomRoleArn: Match.absent(),
      UpstreamRepositoryPrefix: Match.absent(),
    });
  });

  test.each([
    ['docker-hub', (s: secretsmanager.ISecret) => UpstreamRegistry.dockerHub(s), 'docker-hub', 'registry-1.docker.io'],
    ['ghcr', (s: secretsmanager.ISecret) => UpstreamRegistry.githubContainerRegistry(s), 'github-container-registry', 'ghcr.io'],
    ['gitlab', (s: secretsmanager.ISecret) => UpstreamRegistry.gitlabContainerRegistry(s), 'gitlab-container-registry', 'registry.gitlab.com'],
    ['azure', (s: secretsmanager.ISecret) => UpstreamRegistry.azureContainerRegistry('myregistry', s), 'azure-container-registry', 'myregistry.azurecr.io'],
    ['chainguard', (s: secretsmanager.ISecret) => UpstreamRegistry.chainguard(s), 'chainguard', 'cgr.dev'],
  ])('%s takes a Secrets Manager secret', (prefix, upstream, type, url) => {
    const { stack, registry, secret } = setup();
    const credential = secret('Credential');
    registry.addPullThroughCache(prefix, upstream(credential));
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: prefix,
      UpstreamRegistry: type,
      UpstreamRegistryUrl: url,
      CredentialArn: { Ref: Match.stringLikeRegexp('^Credential') },
    });
  });

  test('each rule gets a PULL_THROUGH_CACHE creation template for its prefix, created before the rule', () => {
    const { stack, registry } = setup();
    const rule = registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'ecr-public',
      AppliedFor: ['PULL_THROUGH_CACHE'],
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryKey'), 'Arn'] } },
    });
    t.hasResource('AWS::ECR::PullThroughCacheRule', { DependsOn: [Match.stringLikeRegexp('^RegistryTemplateecrpublic')] });
    expect(rule.template.appliedFor).toEqual([RepositoryCreationScenario.PULL_THROUGH_CACHE]);
    expect(rule.node.path).toBe('Test/Registry/PullThroughCache/ecr-public');
    expect(registry.pullThroughCacheRules).toEqual([rule]);
  });

  test('baseline overrides apply to the cached repositories only', () => {
    const { stack, registry } = setup();
    registry.addRepository('team/api');
    registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic(), { mutableTags: ['latest'] });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: [{ ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' }],
    });
    t.hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'IMMUTABLE', ImageTagMutabilityExclusionFilters: Match.absent() });
  });

  test('repository names and URIs of cached images', () => {
    const { stack, registry, secret } = setup();
    const hub = registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(secret('Hub')));
    const root = registry.addPullThroughCache('ROOT', UpstreamRegistry.ecrPublic());
    expect(hub.repositoryNameFor('nginx')).toBe('docker-hub/library/nginx');
    expect(hub.repositoryNameFor('bitnami/redis')).toBe('docker-hub/bitnami/redis');
    expect(root.repositoryNameFor('docker/library/alpine')).toBe('docker/library/alpine');
    expect(stack.resolve(hub.repositoryUriFor('nginx'))).toEqual({
      'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/docker-hub/library/nginx']],
    });
    expect(() => hub.repositoryNameFor('Nginx'))
      .toThrow(/^Test\/Registry\/PullThroughCache\/docker-hub: invalid upstreamRepository "Nginx": repository names are/);
  });

  test('tokens are not rejected', () => {
    const { stack, registry } = setup();
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    const name = new CfnParameter(stack, 'AzureName').valueAsString;
    const credential = secretsmanager.Secret.fromSecretNameV2(stack, 'Imported', new CfnParameter(stack, 'CredentialId').valueAsString);
    registry.addPullThroughCache(prefix, UpstreamRegistry.azureContainerRegistry(name, credential), { id: 'Azure' });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: { Ref: 'Prefix' },
      UpstreamRegistryUrl: { 'Fn::Join': ['', [{ Ref: 'AzureName' }, '.azurecr.io']] },
    });
  });
});

describe('credentials', () => {
  test('a CMK-encrypted secret: the key lets the pull-through cache service-linked role decrypt through Secrets Manager', () => {
    const { stack, registry } = setup();
    const key = new kms.Key(stack, 'SecretKey', { enableKeyRotation: true });
    const credential = new secretsmanager.Secret(stack, 'Hub', { secretName: 'ecr-pullthroughcache/docker-hub', encryptionKey: key });
    registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(credential));
    const keyPolicy = stack.resolve(onlyResourceWhere(stack, 'AWS::KMS::Key', 'SecretKey').Properties.KeyPolicy.Statement);
    expect(keyPolicy).toContainEqual({
      Sid: 'AllowEcrPullThroughCacheToReadCredentials',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:CallerAccount': ACCOUNT,
          'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.us-east-1.', { Ref: 'AWS::URLSuffix' }]] },
        },
        ArnEquals: {
          'aws:PrincipalArn': {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' },
              ':iam::111111111111:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/AWSServiceRoleForECRPullThroughCache']],
          },
        },
      },
    });
  });

  test('a secret encrypted with a key the app cannot change: a warning', () => {
    const { stack, registry } = setup();
    const key = kms.Key.fromKeyArn(stack, 'ImportedKey', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const credential = new secretsmanager.Secret(stack, 'Hub', { secretName: 'ecr-pullthroughcache/docker-hub', encryptionKey: key });
    registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(credential));
    Annotations.fromStack(stack).hasWarning('/Test/Registry/PullThroughCache/docker-hub',
      Match.stringLikeRegexp('encrypted with a key this app cannot change .*must let .*AWSServiceRoleForECRPullThroughCache use kms:Decrypt'));
  });

  test.each([
    ['Docker Hub', (s: any) => UpstreamRegistry.dockerHub(s), 'UpstreamRegistry.dockerHub'],
    ['GitHub', (s: any) => UpstreamRegistry.githubContainerRegistry(s), 'UpstreamRegistry.githubContainerRegistry'],
    ['GitLab', (s: any) => UpstreamRegistry.gitlabContainerRegistry(s), 'UpstreamRegistry.gitlabContainerRegistry'],
    ['Azure', (s: any) => UpstreamRegistry.azureContainerRegistry('myregistry', s), 'UpstreamRegistry.azureContainerRegistry'],
    ['Chainguard', (s: any) => UpstreamRegistry.chainguard(s), 'UpstreamRegistry.chainguard'],
  ])('%s refuses to synth without a credential', (_name, upstream, factory) => {
    const { registry } = setup();
    expect(() => registry.addPullThroughCache('cache', upstream(undefined)))
      .toThrow(new RegExp(`^Test/Registry/PullThroughCache/cache: invalid credential undefined: ${factory.replace('.', '\\.')} needs a Secrets Manager secret`));
  });

  test('a secret whose known name lacks the ecr-pullthroughcache/ prefix', () => {
    const { registry, secret } = setup();
    expect(() => registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(secret('Hub', 'docker-hub-token'))))
      .toThrow(/^Test\/Registry\/PullThroughCache\/docker-hub: invalid credential secret name "docker-hub-token": ECR only reads pull-through cache credentials from secrets whose name starts with "ecr-pullthroughcache\/"/);
  });

  test('an imported secret whose name lacks the prefix', () => {
    const { stack, registry } = setup();
    const imported = secretsmanager.Secret.fromSecretNameV2(stack, 'Imported', 'hub');
    expect(() => registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(imported)))
      .toThrow(/invalid credential secret name "hub": ECR only reads/);
  });

  test('a secret with a generated name', () => {
    const { stack, registry } = setup();
    const unnamed = new secretsmanager.Secret(stack, 'Unnamed');
    expect(() => registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(unnamed)))
      .toThrow(/^Test\/Registry\/PullThroughCache\/docker-hub: invalid credential secret name "Test\/Unnamed": the secret has a generated name, which never starts with "ecr-pullthroughcache\/"/);
  });

  test('a secret of another account or region', () => {
    const { stack, registry } = setup();
    const foreign = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Foreign',
      'arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecr-pullthroughcache/hub-AbCdEf');
    expect(() => registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(foreign)))
      .toThrow(/^Test\/Registry\/PullThroughCache\/docker-hub: invalid credential secret ".*": the secret must be in the account and region of the cache \(111111111111\/us-east-1\), it is in 111111111111\/eu-west-1/);
  });

  test('Azure registry names', () => {
    const { registry, secret } = setup();
    expect(() => registry.addPullThroughCache('azure', UpstreamRegistry.azureContainerRegistry('my.registry', secret('Azure'))))
      .toThrow(/^Test\/Registry\/PullThroughCache\/azure: invalid azure registryName "my.registry": Azure Container Registry names are 5-50 letters or digits/);
  });
});

describe('prefix rules', () => {
  test.each([
    ['a', /invalid ecrRepositoryPrefix "a": must be 2-30 characters long \(got 1\)/],
    ['a'.repeat(31), /invalid ecrRepositoryPrefix "a{31}": must be 2-30 characters long \(got 31\)/],
    ['Docker', /invalid ecrRepositoryPrefix "Docker": pull-through cache prefixes are ROOT or 2-30 characters/],
    ['docker--hub-', /invalid ecrRepositoryPrefix "docker--hub-": pull-through cache prefixes are ROOT/],
  ])('rejects %s', (prefix, error) => {
    const { registry } = setup();
    expect(() => registry.addPullThroughCache(prefix, UpstreamRegistry.ecrPublic())).toThrow(error);
  });

  test.each(['ROOT', 'ecr-public', 'mirror/docker.io', 'cache/'])('accepts %s', (prefix) => {
    const { registry } = setup();
    registry.addPullThroughCache(prefix, UpstreamRegistry.ecrPublic(), { id: 'Cache' });
  });

  test('two rules for one prefix', () => {
    const { registry } = setup();
    registry.addPullThroughCache('public', UpstreamRegistry.ecrPublic());
    expect(() => registry.addPullThroughCache('public', UpstreamRegistry.quay(), { id: 'Quay' }))
      .toThrow(/^Test\/Registry\/PullThroughCache\/Quay: invalid ecrRepositoryPrefix "public": the registry already has the pull-through cache rule Test\/Registry\/PullThroughCache\/public/);
  });

  test('a token prefix needs an id', () => {
    const { stack, registry } = setup();
    expect(() => registry.addPullThroughCache(new CfnParameter(stack, 'P').valueAsString, UpstreamRegistry.ecrPublic()))
      .toThrow(/^Test\/Registry: invalid ecrRepositoryPrefix ".*": a prefix that is a token needs an explicit id/);
  });

  test('the rule must be in the registry\'s stack', () => {
    const { registry } = setup();
    const elsewhere = new Stack(registry.node.root as App, 'Elsewhere', { env: { account: ACCOUNT, region: 'us-east-1' } });
    expect(() => new PullThroughCacheRule(elsewhere, 'Rule', { registry, ecrRepositoryPrefix: 'public', upstream: UpstreamRegistry.ecrPublic() }))
      .toThrow(/^Elsewhere\/Rule: invalid registry "Test\/Registry": a pull-through cache rule must be in the stack of its ContainerRegistry/);
  });
});

describe('grantPull', () => {
  test('exactly what pulling through the cache needs, scoped to the prefix, plus GetAuthorizationToken on *', () => {
    const { stack, registry } = setup();
    const rule = registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    const role = new iam.Role(stack, 'Puller', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    rule.grantPull(role);
    const statements = stack.resolve(onlyResource(stack, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/ecr-public/*']] },
      },
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ]);
  });

  test('ecr:TagResource too when the template tags the repositories', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('ecr-public', { appliedFor: [RepositoryCreationScenario.PULL_THROUGH_CACHE], resourceTags: { team: 'platform' } });
    const rule = registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    const role = new iam.Role(stack, 'Puller', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    rule.grantPull(role);
    const [cache] = stack.resolve(onlyResource(stack, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement);
    expect(cache.Action).toContain('ecr:TagResource');
  });

  test('ImageReference.fromPullThroughCache grants what the rule says a first pull needs, ecr:TagResource included', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('ecr-public', { appliedFor: [RepositoryCreationScenario.PULL_THROUGH_CACHE], resourceTags: { team: 'platform' } });
    const rule = registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    const role = new iam.Role(stack, 'Puller', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    ImageReference.fromPullThroughCache(rule, 'nginx/nginx', { digest: `sha256:${'a1'.repeat(32)}` }).grantPull(role);
    const [cache, token] = stack.resolve(onlyResource(stack, 'AWS::IAM::Policy').Properties.PolicyDocument.Statement);
    expect(cache).toEqual({
      Effect: 'Allow',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository', 'ecr:TagResource'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/ecr-public/nginx/nginx']] },
    });
    expect(token).toEqual({ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' });
    expect(cache.Action).toEqual(rule.cachePullActions());
  });

  test('a ROOT rule covers every repository', () => {
    const { stack, registry } = setup();
    const rule = registry.addPullThroughCache('ROOT', UpstreamRegistry.ecrPublic());
    expect(stack.resolve(rule.cachedRepositoriesArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/*']] });
  });
});

describe('an ECR upstream', () => {
  test('by account and region: a role trusted by pull-through cache, scoped to the upstream prefix and the cache', () => {
    const { stack, registry } = setup();
    registry.addPullThroughCache('mirror', UpstreamRegistry.ecr({ account: OTHER_ACCOUNT, region: 'eu-west-1', repositoryPrefix: 'release' }));
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'mirror',
      UpstreamRegistry: 'ecr',
      UpstreamRegistryUrl: '222222222222.dkr.ecr.eu-west-1.amazonaws.com',
      UpstreamRepositoryPrefix: 'release',
      CustomRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryPullThroughCachemirrorRole'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'pullthroughcache.ecr.amazonaws.com' } }] },
    });
    const policies = Object.entries(t.findResources('AWS::IAM::ManagedPolicy'));
    const statementsOf = (prefix: string) => policies.filter(([id]) => id.startsWith(prefix))
      .map(([, p]: any) => p.Properties.PolicyDocument.Statement);
    // Read only upstream, upload only into the cache's own repositories.
    expect(statementsOf('RegistryPullThroughCachemirrorRolePolicy')).toEqual([[
      {
        Sid: 'ReadUpstream',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:222222222222:repository/release/*']] },
      },
      {
        Sid: 'FillCache',
        Effect: 'Allow',
        Action: ['ecr:BatchImportUpstreamImage', 'ecr:GetImageCopyStatus', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/mirror/*']] },
      },
    ]]);
    // GetAuthorizationToken on * alone, in its own policy.
    expect(statementsOf('RegistryPullThroughCachemirrorRoleAuthorizationPolicy')).toEqual([[
      { Sid: 'AuthenticateToEcr', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ]]);
    // The prefix wildcards and the * are acknowledged where they are; nothing else is left.
    expect(nagFindings(stack.node.root as App).filter(f => f.resource.includes('PullThroughCache'))).toEqual([]);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    Annotations.fromStack(stack).hasWarning('/Test/Registry/PullThroughCache/mirror',
      Match.stringLikeRegexp('the upstream registry 222222222222/eu-west-1 must let account 111111111111 pull'));
  });

  test('a given role is used as is', () => {
    const { stack, registry } = setup();
    const role = iam.Role.fromRoleArn(stack, 'Given', 'arn:aws:iam::111111111111:role/ptc');
    const rule = registry.addPullThroughCache('mirror', UpstreamRegistry.ecr({ account: ACCOUNT, region: 'eu-west-1', role }));
    expect(rule.role).toBe(role);
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', { CustomRoleArn: 'arn:aws:iam::111111111111:role/ptc' });
  });

  test('a ContainerRegistry of another account gets the registry policy statement, and deploys first', () => {
    const app = new App();
    const upstreamStack = envStack(app, 'Upstream', OTHER_ACCOUNT, 'us-east-1');
    const upstream = new ContainerRegistry(upstreamStack, 'Registry');
    const cacheStack = envStack(app, 'Cache');
    new ContainerRegistry(cacheStack, 'Registry').addPullThroughCache('mirror', UpstreamRegistry.containerRegistry(upstream, { repositoryPrefix: 'release' }));
    const policy = onlyResource(upstreamStack, 'AWS::ECR::RegistryPolicy');
    expect(upstreamStack.resolve(policy.Properties.PolicyText.Statement)).toEqual([{
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:222222222222:repository/release/*']] },
    }]);
    expect(cacheStack.dependencies).toContain(upstreamStack);
    Template.fromStack(cacheStack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', { UpstreamRegistryUrl: '222222222222.dkr.ecr.us-east-1.amazonaws.com' });
  });

  test('validation: account, region, upstream prefix, itself', () => {
    const { registry } = setup();
    expect(() => registry.addPullThroughCache('m1', UpstreamRegistry.ecr({ account: '1', region: 'eu-west-1' })))
      .toThrow(/^Test\/Registry\/PullThroughCache\/m1: invalid upstream account "1": account ids are exactly 12 digits/);
    expect(() => registry.addPullThroughCache('m2', UpstreamRegistry.ecr({ account: OTHER_ACCOUNT, region: 'mars' })))
      .toThrow(/^Test\/Registry\/PullThroughCache\/m2: invalid upstream region "mars": region names look like "eu-west-1"/);
    expect(() => registry.addPullThroughCache('m3', UpstreamRegistry.ecr({ account: OTHER_ACCOUNT, region: 'eu-west-1', repositoryPrefix: 'X' })))
      .toThrow(/^Test\/Registry\/PullThroughCache\/m3: invalid upstream repositoryPrefix "X": must be 2-30 characters long/);
    expect(() => registry.addPullThroughCache('m6', UpstreamRegistry.ecr({ account: OTHER_ACCOUNT, region: 'eu-west-1', repositoryPrefix: 'Release' })))
      .toThrow(/^Test\/Registry\/PullThroughCache\/m6: invalid upstream repositoryPrefix "Release": pull-through cache prefixes are ROOT or 2-30 characters/);
    expect(() => registry.addPullThroughCache('m4', UpstreamRegistry.ecr({ account: ACCOUNT, region: 'us-east-1' })))
      .toThrow(/^Test\/Registry\/PullThroughCache\/m4: invalid upstream "111111111111\/us-east-1": the upstream is the caching registry itself/);
    expect(() => registry.addPullThroughCache('m5', UpstreamRegistry.containerRegistry(registry)))
      .toThrow(/^Test\/Registry\/PullThroughCache\/m5: invalid upstream "Test\/Registry": a registry cannot be its own pull-through cache upstream/);
  });
});

function onlyResourceWhere(stack: Stack, type: string, idPrefix: string): any {
  const found = Object.entries(Template.fromStack(stack).findResources(type)).filter(([id]) => id.startsWith(idPrefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${idPrefix}, found ${found.length}`);
  return found[0][1];
}

describe('an ECR upstream in environment-agnostic stacks', () => {
  test('an upstream ContainerRegistry needs a concrete environment', () => {
    const app = new App();
    const upstream = new ContainerRegistry(new Stack(app, 'Agnostic'), 'Registry');
    const cache = new ContainerRegistry(envStack(app), 'Registry');
    expect(() => cache.addPullThroughCache('mirror', UpstreamRegistry.containerRegistry(upstream)))
      .toThrow(/^Test\/Registry\/PullThroughCache\/mirror: invalid upstream "Agnostic\/Registry": the upstream ContainerRegistry needs a stack with a concrete account and region/);
  });

  test('caching from another account needs a concrete account on the caching stack', () => {
    const app = new App();
    const upstream = new ContainerRegistry(envStack(app, 'Upstream', OTHER_ACCOUNT), 'Registry');
    const cache = new ContainerRegistry(new Stack(app, 'Agnostic'), 'Registry');
    expect(() => cache.addPullThroughCache('mirror', UpstreamRegistry.containerRegistry(upstream)))
      .toThrow(/^Agnostic\/Registry\/PullThroughCache\/mirror: invalid registry "Agnostic\/Registry": caching from a ContainerRegistry of another account needs a concrete account/);
  });
});
