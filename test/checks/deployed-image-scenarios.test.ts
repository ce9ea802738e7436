/**
 * The seven paths of issue 9, each synthesized as a user would write it. Each test takes the
 * lifecycle policy text from the template (the source repository, or the destination's REPLICATION
 * or the cache's PULL_THROUGH_CACHE creation template) and evaluates it on a history that expires
 * the deployed images without protection (helpers.history), or asserts that synth fails.
 */
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { actedOnDeployed, DIGEST, findings, policyText } from './deployed-helpers';
import * as lib from '../../src';
import {
  ContainerRegistry,
  ImageReference,
  LifecyclePolicy,
  ReplicationDestination,
  RepositoryBaseline,
  SecureRepository,
  TaggedImageTaskDefinition,
  UpstreamRegistry,
} from '../../src';

const US = { account: '111111111111', region: 'us-east-1' };
const EU = { account: '111111111111', region: 'eu-west-1' };

beforeAll(() => { process.env.CDK_VALIDATION = 'false'; });

test('control: without protection, the default rules expire every deployed image of the history', () => {
  const text = new LifecyclePolicy({ rules: RepositoryBaseline.defaultLifecycleRules() }).toJson();
  expect(actedOnDeployed(text, [{ tag: 'v1.4.2' }, { digest: DIGEST }])).toEqual([`${DIGEST}: rule 1 expire`, 'v1.4.2: rule 2 expire']);
});

describe('1. aws-cdk-lib consumers of a SecureRepository', () => {
  test('ContainerImage.fromEcrRepository, ecs_patterns, Lambda DockerImageCode.fromEcr and CodeBuild fromEcrRepository: every tag kept', () => {
    const app = new App();
    const stack = new Stack(app, 'Service', { env: US });
    const repo = new SecureRepository(stack, 'Repo', { repositoryName: 'team-a/api' });
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1.4.2') });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    new ecsPatterns.ApplicationLoadBalancedFargateService(stack, 'Web', {
      cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
      taskImageOptions: { image: ecs.ContainerImage.fromEcrRepository(repo, 'v2.0.0') },
    });
    new lambda.DockerImageFunction(stack, 'Fn', { code: lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: 'v3.0.0' }) });
    new codebuild.Project(stack, 'Build', {
      buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['true'] } } }),
      environment: { buildImage: codebuild.LinuxBuildImage.fromEcrRepository(repo, 'v4.0.0') },
    });

    const deployed = ['v1.4.2', 'v2.0.0', 'v3.0.0', 'v4.0.0'].map(tag => ({ tag }));
    expect(actedOnDeployed(policyText(stack, 'Repo'), deployed)).toEqual([]);
    expect(findings(app)).toEqual([]);
  });
});

describe('2. repositories referred to by name or ARN from another stack', () => {
  test('fromRepositoryName, fromRepositoryArn and fromRepositoryAttributes: the platform repository keeps every tag', () => {
    const app = new App();
    const platform = new Stack(app, 'Platform', { env: US });
    const registry = new ContainerRegistry(platform, 'Registry');
    registry.addRepository('team-a/api');
    const service = new Stack(app, 'Service', { env: US });
    const byName = ecr.Repository.fromRepositoryName(service, 'ByName', 'team-a/api');
    const byArn = ecr.Repository.fromRepositoryArn(service, 'ByArn', 'arn:aws:ecr:us-east-1:111111111111:repository/team-a/api');
    const byAttributes = ecr.Repository.fromRepositoryAttributes(service, 'ByAttributes', {
      repositoryName: 'team-a/api', repositoryArn: 'arn:aws:ecr:us-east-1:111111111111:repository/team-a/api',
    });
    new TaggedImageTaskDefinition(service, 'Name', { image: ImageReference.fromRepository(byName, { tag: 'v1.4.2' }) });
    new TaggedImageTaskDefinition(service, 'Arn', { image: ImageReference.fromRepository(byArn, { tag: 'v1.4.3' }) });
    const plain = new ecs.FargateTaskDefinition(service, 'Plain');
    plain.addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(byAttributes, 'v1.4.4') });

    const text = policyText(platform, 'RegistryRepository');
    expect(actedOnDeployed(text, [{ tag: 'v1.4.2' }, { tag: 'v1.4.3' }, { tag: 'v1.4.4' }])).toEqual([]);
    expect(LifecyclePolicy.fromJson(text).resolvedRules()[0].description).toMatch(/^Protect tag v1\.4\.2 \(Service\/Name\)/);
    expect(findings(app)).toEqual([]);
  });

  test('in a Stage, synthesized with the app or on its own (as Template.fromStack does)', () => {
    for (const synthesizeStage of [false, true]) {
      const app = new App();
      const stage = new Stage(app, 'Prod', { env: US });
      const platform = new Stack(stage, 'Platform');
      const repo = new SecureRepository(platform, 'Repo', { repositoryName: 'team-a/api' });
      const service = new Stack(stage, 'Service');
      new ecs.FargateTaskDefinition(service, 'Task').addContainer('App', {
        image: ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(service, 'Api', 'team-a/api'), 'v1.4.2'),
      });
      if (synthesizeStage) stage.synth(); else app.synth();
      expect(repo.lifecyclePolicy.protectedTags).toEqual(['v1.4.2']);
      expect(actedOnDeployed(policyText(platform, 'Repo'), [{ tag: 'v1.4.2' }])).toEqual([]);
    }
  });

  test('a name in another region is another repository: nothing is protected for it', () => {
    const app = new App();
    const platform = new Stack(app, 'Platform', { env: US });
    const repo = new ContainerRegistry(platform, 'Registry').addRepository('team-a/api');
    const service = new Stack(app, 'Service', { env: EU });
    new TaggedImageTaskDefinition(service, 'Task', {
      image: ImageReference.fromRepository(ecr.Repository.fromRepositoryName(service, 'Api', 'team-a/api'), { tag: 'v9' }),
    });
    app.synth();
    expect(repo.lifecyclePolicy.protectedTags).toEqual([]);
  });
});

describe('3. replicas', () => {
  function replicatedApp() {
    const app = new App();
    const dr = new Stack(app, 'DrRegistry', { env: EU });
    const destination = new ContainerRegistry(dr, 'Registry');
    const platform = new Stack(app, 'Platform', { env: US });
    const source = new ContainerRegistry(platform, 'Registry', { replicateTo: [ReplicationDestination.registry(destination)] });
    const api = source.addRepository('team-a/api', { retainTags: ['v1.4.1'] });
    new TaggedImageTaskDefinition(platform, 'Task', { image: ImageReference.fromRepository(api, { tag: 'v1.4.2' }) });
    // The disaster-recovery service can only import the replica by name.
    const drService = new Stack(app, 'DrService', { env: EU });
    const replica = ecr.Repository.fromRepositoryName(drService, 'Api', 'team-a/api');
    new TaggedImageTaskDefinition(drService, 'Task', { image: ImageReference.fromRepository(replica, { tag: 'v1.4.2' }) });
    new TaggedImageTaskDefinition(drService, 'Hotfix', { image: ImageReference.fromRepository(replica, { tag: 'v1.4.2-dr' }) });
    return { app, dr };
  }

  test('the destination REPLICATION template protects the source tags, the retained tags and the DR tags', () => {
    const { app, dr } = replicatedApp();
    const text = policyText(dr, 'RegistryTemplateROOT');
    expect(actedOnDeployed(text, [{ tag: 'v1.4.2' }, { tag: 'v1.4.1' }, { tag: 'v1.4.2-dr' }])).toEqual([]);
    expect(findings(app)).toEqual([]);
  });

  test('RepositoryCreationTemplate.protectTag: the tag is protected in the template text; a wildcard is rejected with the template path', () => {
    const stack = new Stack(new App(), 'Dr', { env: EU });
    const template = new ContainerRegistry(stack, 'Registry').addCreationTemplate('team-a', { appliedFor: [lib.RepositoryCreationScenario.CREATE_ON_PUSH] });
    template.protectTag('v1.0.0', 'kept for rollback');
    expect(template.protectedTags).toEqual(['v1.0.0']);
    expect(actedOnDeployed(policyText(stack, 'RegistryTemplateteama'), [{ tag: 'v1.0.0' }])).toEqual([]);
    expect(() => template.protectTag('v*')).toThrow(/^Dr\/Registry\/Template\/team-a: invalid tag "v\*"/);
  });

  test('a destination the app does not manage: one warning per protected image says where protection is missing', () => {
    const app = new App();
    const platform = new Stack(app, 'Platform', { env: US });
    const registry = new ContainerRegistry(platform, 'Registry', { replicateTo: [ReplicationDestination.region('eu-west-1')] });
    const api = registry.addRepository('team-a/api');
    new TaggedImageTaskDefinition(platform, 'Task', { image: ImageReference.fromRepository(api, { tag: 'v1.4.2' }) });
    Annotations.fromStack(platform).hasWarning('/Platform/Registry/Repository/team-a--api',
      Match.stringLikeRegexp('the image v1\\.4\\.2 of Platform/Registry/Repository/team-a--api is protected here but replicated to 111111111111/eu-west-1'));
  });
});

describe('4. pull-through caches', () => {
  function cacheApp(options: lib.ImageReferenceOptions) {
    const app = new App();
    const stack = new Stack(app, 'Platform', { env: US });
    const registry = new ContainerRegistry(stack, 'Registry');
    const cache = registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    new TaggedImageTaskDefinition(stack, 'Task', { image: ImageReference.fromPullThroughCache(cache, 'nginx/nginx', options) });
    return { app, stack };
  }

  test('by tag: the PULL_THROUGH_CACHE template protects the tag in the cache repository', () => {
    const { app, stack } = cacheApp({ tag: '1.27.0', allowMutableTag: true });
    expect(actedOnDeployed(policyText(stack, 'RegistryTemplateecrpublic'), [{ tag: '1.27.0' }])).toEqual([]);
    expect(findings(app)).toEqual([]);
  });

  test('by digest: the cached image is untagged and the template expires untagged images, so synth fails with the fix', () => {
    const { app } = cacheApp({ digest: DIGEST });
    expect(() => app.synth()).toThrow(
      `Platform/Registry/Template/ecr-public: invalid deployed image digest ${JSON.stringify(DIGEST)}: Platform/Task ` +
      `(ecr-public/nginx/nginx@${DIGEST}) deploys this image by digest alone, and rule 1 "Expire untagged images`);
  });

  test('a cache source that is not a PullThroughCacheRule of the app: a warning says the cached image is not protected', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform', { env: US });
    const source = new (class extends Construct implements lib.IPullThroughCacheSource {
      public readonly ecrRepositoryPrefix = 'quay';
      public repositoryNameFor(upstream: string) { return `quay/${upstream}`; }
      public cachePullActions() { return ['ecr:BatchGetImage', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository']; }
    })(stack, 'Quay');
    new TaggedImageTaskDefinition(stack, 'Task', { image: ImageReference.fromPullThroughCache(source, 'prometheus/prometheus', { digest: DIGEST }) });
    Annotations.fromStack(stack).hasWarning('/Platform/Task', Match.stringLikeRegexp(
      `the image ${DIGEST} is cached in quay/prometheus/prometheus by Platform/Quay, whose creation template this app does not manage`));
  });

  test('by digest with allowUnprotectedDigest: synth goes on, and the app-wide check still reports the rule', () => {
    const { app } = cacheApp({ digest: DIGEST, allowUnprotectedDigest: true });
    const [finding] = findings(app);
    expect(finding).toMatchObject({ ruleId: 'ECRB-DEPLOYED-IMAGE-EXPIRES', severity: 'error', logicalId: expect.stringMatching(/^Task/) });
  });
});

describe('5. digests', () => {
  test('tag and digest: the image stays, found by its digest', () => {
    const app = new App();
    const stack = new Stack(app, 'Service', { env: US });
    const repo = new SecureRepository(stack, 'Repo');
    new TaggedImageTaskDefinition(stack, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1.4.2', digest: DIGEST }) });
    expect(actedOnDeployed(policyText(stack, 'Repo'), [{ tag: 'v1.4.2', digest: DIGEST }])).toEqual([]);
    expect(findings(app)).toEqual([]);
  });

  test('aws-cdk-lib by digest alone fails synth; protectDigest names its tag and the image stays', () => {
    const build = (protect: boolean) => {
      const app = new App();
      const stack = new Stack(app, 'Service', { env: US });
      const repo = new SecureRepository(stack, 'Repo');
      new ecs.FargateTaskDefinition(stack, 'Task').addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, DIGEST) });
      if (protect) repo.protectDigest(DIGEST, 'v1.4.2', 'production');
      return { app, stack };
    };
    expect(() => build(false).app.synth()).toThrow(/Service\/Repo: invalid deployed image digest .*: Service\/Task deploys this image by digest alone/);
    const { app, stack } = build(true);
    expect(actedOnDeployed(policyText(stack, 'Repo'), [{ tag: 'v1.4.2', digest: DIGEST }])).toEqual([]);
    expect(findings(app)).toEqual([]);
  });
});

describe('6. two copies of the library in one app', () => {
  /** A second copy of the library's modules, sharing aws-cdk-lib and constructs as npm would. */
  function secondCopy(): typeof lib {
    let copy: typeof lib | undefined;
    const shared = ['aws-cdk-lib', 'constructs', ...['ec2', 'ecr', 'ecs', 'iam', 'kms', 'logs', 'secretsmanager'].map(m => `aws-cdk-lib/aws-${m}`)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shared modules, as loaded by this copy
    const modules = Object.fromEntries(shared.map(m => [m, require(m)]));
    jest.isolateModules(() => {
      for (const m of shared) jest.doMock(m, () => modules[m]);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the library's modules
      copy = require('../../src');
    });
    for (const m of shared) jest.dontMock(m);
    return copy!;
  }

  test('a repository of one copy protects the tags that task definitions of the other copy deploy', () => {
    const other = secondCopy();
    expect(other.SecureRepository).not.toBe(SecureRepository);
    const app = new App();
    const stack = new Stack(app, 'Service', { env: US });
    const repo = new SecureRepository(stack, 'Repo', { repositoryName: 'team-a/api' });
    expect(repo instanceof other.SecureRepository).toBe(false);
    expect(other.SecureRepository.isSecureRepository(repo)).toBe(true);
    new other.TaggedImageTaskDefinition(stack, 'Task', { image: other.ImageReference.fromRepository(repo, { tag: 'v1.4.2' }) });
    // Another copy's repository, by name, from this copy's task definition.
    const otherRepo = new other.SecureRepository(stack, 'Worker', { repositoryName: 'team-a/worker' });
    new TaggedImageTaskDefinition(stack, 'WorkerTask', {
      image: ImageReference.fromRepository(ecr.Repository.fromRepositoryName(stack, 'W', 'team-a/worker'), { tag: 'v7' }),
    });
    expect(actedOnDeployed(policyText(stack, 'Repo'), [{ tag: 'v1.4.2' }])).toEqual([]);
    expect(actedOnDeployed(policyText(stack, 'Worker'), [{ tag: 'v7' }])).toEqual([]);
    expect(otherRepo.lifecyclePolicy.protectedTags).toEqual(['v7']);
    expect(findings(app)).toEqual([]);
    // The task definitions of both copies share the stack's log key and its authorization policy.
    const t = Template.fromStack(stack);
    expect(Object.keys(t.findResources('AWS::KMS::Key')).filter(id => id.startsWith('SharedLogKey'))).toHaveLength(1);
    const authorization = t.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ecr:GetAuthorizationToken' })]) } },
    });
    expect(Object.keys(authorization)).toEqual([expect.stringMatching(/^RegistryAuthorizationPolicy/)]);
  });
});

describe('7. rollback', () => {
  test('retainTags keeps the previous release protected after the service moves on', () => {
    const app = new App();
    const stack = new Stack(app, 'Service', { env: US });
    const repo = new SecureRepository(stack, 'Repo', { retainTags: ['v1.0.0'] });
    new TaggedImageTaskDefinition(stack, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1.1.0' }) });
    expect(actedOnDeployed(policyText(stack, 'Repo'), [{ tag: 'v1.1.0' }, { tag: 'v1.0.0' }])).toEqual([]);
  });

  test('without retainTags the previous release is not protected (what the README warns about)', () => {
    const app = new App();
    const stack = new Stack(app, 'Service', { env: US });
    const repo = new SecureRepository(stack, 'Repo');
    new TaggedImageTaskDefinition(stack, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1.1.0' }) });
    expect(actedOnDeployed(policyText(stack, 'Repo'), [{ tag: 'v1.1.0' }, { tag: 'v1.0.0' }])).toEqual(['v1.0.0: rule 3 expire']);
  });

  test('a retained tag that is not a valid tag fails where it is given', () => {
    const stack = new Stack(new App(), 'Service', { env: US });
    expect(() => new SecureRepository(stack, 'Repo', { retainTags: ['-bad'] })).toThrow(/^Service\/Repo: invalid tag "-bad"/);
  });
});

test('the synthesized policies stay valid ECR text with many protected tags', () => {
  const stack = new Stack(new App(), 'Service', { env: US });
  const repo = new SecureRepository(stack, 'Repo');
  for (let i = 0; i < 40; i++) repo.repositoryUriForTag(`v${i}`);
  expect(() => LifecyclePolicy.fromJson(policyText(stack, 'Repo'))).not.toThrow();
  Template.fromStack(stack);
});
