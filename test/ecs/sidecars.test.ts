import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { DIGEST, managedPolicyStatements, stack } from './helpers';
import { ImageReference, LifecyclePolicy, SecureRepository, TaggedImageTaskDefinition } from '../../src';
import { stableTemplate } from '../util/snapshot';

const FLUENT_BIT = `public.ecr.aws/aws-observability/aws-for-fluent-bit@${DIGEST}`;

function setup() {
  const s = stack();
  const app = new SecureRepository(s, 'App', { repositoryName: 'team/api' });
  const proxy = new SecureRepository(s, 'Proxy', { repositoryName: 'platform/envoy' });
  return { s, app, proxy };
}

function containers(s: any): any[] {
  return Template.fromStack(s).findResources('AWS::ECS::TaskDefinition')[Object.keys(Template.fromStack(s).findResources('AWS::ECS::TaskDefinition'))[0]]
    .Properties.ContainerDefinitions;
}

describe('TaggedImageTaskDefinition sidecars', () => {
  test('a sidecar gets the guarantees of the essential container: memory, non-root, read-only, logs', () => {
    const { s, app, proxy } = setup();
    const task = new TaggedImageTaskDefinition(s, 'Task', {
      image: ImageReference.fromRepository(app, { tag: 'v1' }),
      cpu: 512,
      memoryLimitMiB: 1024,
      sidecars: { envoy: { image: ImageReference.fromRepository(proxy, { tag: '1.30.1' }), memoryLimitMiB: 128, writablePaths: ['/tmp'] } },
    });
    expect(task.sidecars).toHaveLength(1);
    const [main, envoy] = containers(s);
    expect(main.Name).toBe('app');
    expect(envoy).toEqual(expect.objectContaining({
      Name: 'envoy',
      Essential: true,
      Memory: 128,
      User: '1000:1000',
      ReadonlyRootFilesystem: true,
      MountPoints: [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'envoy-writable-1' }],
      LogConfiguration: {
        LogDriver: 'awslogs',
        Options: { 'awslogs-group': { Ref: s.getLogicalId(task.logGroup.node.defaultChild as any) }, 'awslogs-stream-prefix': 'ecs', 'awslogs-region': 'us-east-1' },
      },
    }));
    const parts = envoy.Image['Fn::Join'][1];
    expect(parts).toContainEqual({ Ref: s.getLogicalId(proxy.node.defaultChild as ecr.CfnRepository) });
    expect(parts[parts.length - 1]).toBe(':1.30.1');
  });

  test('the sidecar image tag is protected and its pull granted to the execution role, scoped to its repository', () => {
    const { s, app, proxy } = setup();
    const task = new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(app, { tag: 'v1' }), memoryLimitMiB: 1024 });
    task.addSidecar('envoy', { image: ImageReference.fromRepository(proxy, { tag: '1.30.1' }), memoryLimitMiB: 64 });
    const statements = managedPolicyStatements(Template.fromStack(s), 'TaskExecutionRolePolicy');
    const pullResources = statements.filter(st => ([] as string[]).concat(st.Action).includes('ecr:BatchGetImage')).map(st => st.Resource);
    expect(pullResources).toEqual([
      { 'Fn::GetAtt': [s.getLogicalId(app.node.defaultChild as ecr.CfnRepository), 'Arn'] },
      { 'Fn::GetAtt': [s.getLogicalId(proxy.node.defaultChild as ecr.CfnRepository), 'Arn'] },
    ]);
    // From the outside: the proxy repository's synthesized lifecycle policy keeps the deployed tag.
    const repoProps = Template.fromStack(s).findResources('AWS::ECR::Repository')[s.getLogicalId(proxy.node.defaultChild as ecr.CfnRepository)].Properties;
    const policy = LifecyclePolicy.fromJson(repoProps.LifecyclePolicy.LifecyclePolicyText);
    const old = new Date('2020-01-01T00:00:00Z');
    const images = [{ digest: DIGEST, tags: ['1.30.1'], pushedAt: old }, ...Array.from({ length: 60 }, (_, i) => ({
      digest: `sha256:${String(i).padStart(64, '0')}`, tags: [`1.${i}.0`], pushedAt: new Date(old.getTime() + (i + 1) * 86_400_000),
    }))];
    expect(policy.evaluate(images, new Date('2026-01-01T00:00:00Z')).map(r => r.digest)).not.toContain(DIGEST);
  });

  test('a mutable tag of a sidecar is refused like the essential container\'s', () => {
    const { s, app } = setup();
    const mutable = new ecr.Repository(s, 'Mutable', { repositoryName: 'x/y' });
    const task = new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(app, { tag: 'v1' }) });
    expect(() => task.addSidecar('agent', { image: ImageReference.fromRepository(mutable, { tag: 'v2' }), memoryLimitMiB: 64 }))
      .toThrow(/invalid tag "v2": the repository lets this tag move/);
  });

  test('root, names, writable paths: the essential container\'s rules, named per sidecar', () => {
    const { s, app, proxy } = setup();
    const task = new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(app, { tag: 'v1' }), memoryLimitMiB: 1024 });
    const image = ImageReference.fromRepository(proxy, { tag: '1.30.1' });
    expect(() => task.addSidecar('a', { image, memoryLimitMiB: 64, user: '0' })).toThrow(
      'Test/Task: invalid sidecar a user "0": the container would run as root; use a non-root user, or set allowRootUser: true');
    task.addSidecar('root-ok', { image, memoryLimitMiB: 64, user: 'root', allowRootUser: true });
    expect(() => task.addSidecar('b', { image, memoryLimitMiB: 64, containerName: 'bad name' })).toThrow(/invalid sidecar bad name containerName "bad name"/);
    expect(() => task.addSidecar('c', { image, memoryLimitMiB: 64, containerName: 'app' })).toThrow(
      'Test/Task: invalid sidecar app containerName "app": container names are unique in a task definition');
    expect(() => task.addSidecar('d', { image, memoryLimitMiB: 64, writablePaths: ['tmp'] })).toThrow(/invalid sidecar d writablePaths "tmp"/);
  });

  test('memory: at least 6 MiB each, and the sidecars leave memory for the essential container', () => {
    const { s, app, proxy } = setup();
    const task = new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(app, { tag: 'v1' }), memoryLimitMiB: 512 });
    const image = ImageReference.fromRepository(proxy, { tag: '1.30.1' });
    expect(() => task.addSidecar('tiny', { image, memoryLimitMiB: 5 })).toThrow('Test/Task: invalid sidecar tiny memoryLimitMiB 5: must be an integer >= 6');
    task.addSidecar('six', { image, memoryLimitMiB: 6 });
    task.addSidecar('big', { image, memoryLimitMiB: 505 });
    expect(() => task.addSidecar('more', { image, memoryLimitMiB: 1 + 5 })).toThrow(
      'Test/Task: invalid sidecar more memoryLimitMiB 6: the sidecars\' memory limits (517 MiB in all) must leave memory for the essential container within the task\'s 512 MiB');
  });

  test('secret-like environment variables of a sidecar get the warning', () => {
    const { s, app, proxy } = setup();
    new TaggedImageTaskDefinition(s, 'Task', {
      image: ImageReference.fromRepository(app, { tag: 'v1' }),
      memoryLimitMiB: 1024,
      sidecars: { agent: { image: ImageReference.fromRepository(proxy, { tag: '1.30.1' }), memoryLimitMiB: 64, environment: { API_KEY: 'x' } } },
    });
    Annotations.fromStack(s).hasWarning('/Test/Task', Match.stringLikeRegexp('API_KEY looks like a secret'));
  });
});

describe('ImageReference.fromRegistry', () => {
  test('an image outside ECR by digest: its URI as given, nothing granted', () => {
    const { s, app } = setup();
    new TaggedImageTaskDefinition(s, 'Task', {
      image: ImageReference.fromRepository(app, { tag: 'v1' }),
      memoryLimitMiB: 1024,
      sidecars: { 'log-router': { image: ImageReference.fromRegistry(FLUENT_BIT), memoryLimitMiB: 64 } },
    });
    const [, router] = containers(s);
    expect(router.Image).toBe(FLUENT_BIT);
    const statements = managedPolicyStatements(Template.fromStack(s), 'TaskExecutionRolePolicy');
    expect(JSON.stringify(statements)).not.toContain('aws-observability');
    const reference = ImageReference.fromRegistry(FLUENT_BIT);
    expect([reference.digest, reference.repositoryName, reference.repositoryArn]).toEqual([DIGEST, 'public.ecr.aws/aws-observability/aws-for-fluent-bit', '']);
  });

  test('a tag, or no digest, is refused', () => {
    expect(() => ImageReference.fromRegistry('docker.io/fluent/fluent-bit:3.0')).toThrow(
      'ImageReference.fromRegistry: invalid imageName "docker.io/fluent/fluent-bit:3.0": images outside ECR are pinned by digest');
    expect(() => ImageReference.fromRegistry(`fluent/fluent-bit@sha256:${'A'.repeat(64)}`)).toThrow(/pinned by digest/);
    ImageReference.fromRegistry(`fluent/fluent-bit@${DIGEST}`);
    ImageReference.fromRegistry(`registry.example.com:5000/team/agent@${DIGEST}`);
  });

  test('a private ECR image is sent to fromRepository', () => {
    expect(() => ImageReference.fromRegistry(`111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api@${DIGEST}`)).toThrow(
      /this is a private ECR image: use ImageReference.fromRepository/);
  });
});

test('snapshot: an essential container with a proxy sidecar and a log router by digest', () => {
  const { s, app, proxy } = setup();
  new TaggedImageTaskDefinition(s, 'Task', {
    image: ImageReference.fromRepository(app, { tag: 'v1' }),
    cpu: 512,
    memoryLimitMiB: 1024,
    sidecars: {
      'envoy': { image: ImageReference.fromRepository(proxy, { tag: '1.30.1' }), memoryLimitMiB: 128, portMappings: [{ containerPort: 9901 }] },
      'log-router': { image: ImageReference.fromRegistry(FLUENT_BIT), memoryLimitMiB: 64, essential: false, writablePaths: ['/tmp'] },
    },
  });
  expect(stableTemplate(Template.fromStack(s).toJSON())).toMatchSnapshot();
});

test('sidecars in an app without a stack env still synthesize', () => {
  const app = new App();
  const s = stack(app, 'Other');
  const repo = new SecureRepository(s, 'R', { repositoryName: 'a/b' });
  new TaggedImageTaskDefinition(s, 'T', { image: ImageReference.fromRepository(repo, { tag: 'v1' }), sidecars: { x: { image: ImageReference.fromRegistry(FLUENT_BIT), memoryLimitMiB: 32 } } });
  expect(() => app.synth()).not.toThrow();
});
