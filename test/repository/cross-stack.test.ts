import { App, Aws, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ContainerRegistry, ImageReference, SecureRepository, TaggedImageTaskDefinition } from '../../src';

const ENV = { account: '111111111111', region: 'us-east-1' };

/** Every intrinsic function name used anywhere in a template. */
function intrinsics(template: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (k.startsWith('Fn::') || k === 'Ref') found.add(k);
      walk(child);
    }
  };
  walk(template);
  return found;
}

function twoStacks(env: { account?: string; region?: string } = ENV, consumerEnv = env) {
  const app = new App();
  const registryStack = new Stack(app, 'Registry', { env });
  const services = new Stack(app, 'Services', { env: consumerEnv });
  return { app, registryStack, services };
}

function taskUsing(services: Stack, repository: SecureRepository, tag = 'v1.4.2'): TaggedImageTaskDefinition {
  return new TaggedImageTaskDefinition(services, 'Task', { image: ImageReference.fromRepository(repository, { tag }) });
}

describe('a named SecureRepository used from another stack of the same environment', () => {
  test('gives the task definition a plain image URI and ARN, and the registry stack no output', () => {
    const { registryStack, services } = twoStacks();
    const repository = new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' });
    taskUsing(services, repository);

    const consumer = Template.fromStack(services);
    consumer.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api:v1.4.2' })],
    });
    consumer.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Resource: 'arn:aws:ecr:us-east-1:111111111111:repository/team/api',
        })]),
      },
    });
    expect(intrinsics(consumer.toJSON()).has('Fn::ImportValue')).toBe(false);
    expect(Template.fromStack(registryStack).toJSON().Outputs).toBeUndefined();
  });

  test('orders the consuming stack after the registry stack', () => {
    const { registryStack, services } = twoStacks();
    taskUsing(services, new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' }));
    Template.fromStack(services);
    expect(services.dependencies).toEqual([registryStack]);
  });

  test('name, ARN and URI are plain strings for aws-cdk-lib consumers too', () => {
    const { registryStack, services } = twoStacks();
    const repository = new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' });
    const role = new iam.Role(services, 'Role', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    repository.grantPush(role);
    const task = new ecs.FargateTaskDefinition(services, 'Plain');
    task.addContainer('app', { image: ecs.ContainerImage.fromEcrRepository(repository, 'v2') });

    expect(services.resolve(repository.repositoryName)).toBe('team/api');
    expect(services.resolve(repository.repositoryArn)).toBe('arn:aws:ecr:us-east-1:111111111111:repository/team/api');
    expect(services.resolve(repository.repositoryUri)).toBe('111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api');
    // Asking for a digest URI records a deployment by digest alone: name the tag it carries.
    repository.protectDigest(`sha256:${'a'.repeat(64)}`, 'v2');
    expect(services.resolve(repository.repositoryUriForDigest(`sha256:${'a'.repeat(64)}`)))
      .toBe(`111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api@sha256:${'a'.repeat(64)}`);
    const consumer = Template.fromStack(services);
    consumer.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api:v2' })],
    });
    expect(intrinsics(consumer.toJSON()).has('Fn::ImportValue')).toBe(false);
    expect(Template.fromStack(registryStack).toJSON().Outputs).toBeUndefined();
  });

  test('in the registry stack itself the references stay Ref and GetAtt (they order the resources)', () => {
    const { registryStack } = twoStacks();
    const repository = new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' });
    const id = registryStack.getLogicalId(repository.node.defaultChild as any);
    expect(registryStack.resolve(repository.repositoryName)).toEqual({ Ref: registryStack.resolve(id) });
    expect(registryStack.resolve(repository.repositoryArn)).toEqual({ 'Fn::GetAtt': [registryStack.resolve(id), 'Arn'] });
  });

  test('the partition and URL suffix follow the region (China)', () => {
    const { registryStack, services } = twoStacks({ account: '111111111111', region: 'cn-north-1' });
    const repository = new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' });
    expect(services.resolve(repository.repositoryArn)).toBe('arn:aws-cn:ecr:cn-north-1:111111111111:repository/team/api');
    expect(services.resolve(repository.repositoryUriForTag('v1')))
      .toBe('111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/team/api:v1');
  });

  test('repositories of ContainerRegistry.addRepository are named, so they need no export either', () => {
    const { registryStack, services } = twoStacks();
    const registry = new ContainerRegistry(registryStack, 'Registry');
    for (const name of ['team/a', 'team/b', 'team/c']) {
      new TaggedImageTaskDefinition(services, name.replace('/', '-'), {
        image: ImageReference.fromRepository(registry.addRepository(name), { tag: 'v1' }),
      });
    }
    const consumer = Template.fromStack(services).toJSON();
    expect(intrinsics(consumer).has('Fn::ImportValue')).toBe(false);
    expect(Template.fromStack(registryStack).toJSON().Outputs).toBeUndefined();
    expect(services.dependencies).toEqual([registryStack]);
  });

  test('the deployed tag is still protected in the registry stack', () => {
    const { registryStack, services } = twoStacks();
    const repository = new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' });
    taskUsing(services, repository, 'v9');
    const text = Template.fromStack(registryStack).findResources('AWS::ECR::Repository');
    const policy = JSON.parse(Object.values<any>(text)[0].Properties.LifecyclePolicy.LifecyclePolicyText);
    expect(policy.rules[0].selection).toMatchObject({ tagStatus: 'tagged', tagPatternList: ['v9'] });
  });
});

describe('falls back to aws-cdk-lib references', () => {
  test('when the repository has a generated name: exports, as aws-cdk-lib does', () => {
    const { registryStack, services } = twoStacks();
    taskUsing(services, new SecureRepository(registryStack, 'Repo'));
    expect(intrinsics(Template.fromStack(services).toJSON()).has('Fn::ImportValue')).toBe(true);
    expect(Object.keys(Template.fromStack(registryStack).toJSON().Outputs ?? {}).length).toBeGreaterThan(0);
  });

  test('when the environment is not known at synth (the registry\'s account comes from its stack, never the consumer\'s own)', () => {
    const { registryStack, services } = twoStacks({});
    taskUsing(services, new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' }));
    const consumer = Template.fromStack(services).toJSON();
    expect(intrinsics(consumer).has('Fn::ImportValue')).toBe(true);
    const [task] = Object.values<any>(consumer.Resources).filter(r => r.Type === 'AWS::ECS::TaskDefinition');
    expect(JSON.stringify(task.Properties.ContainerDefinitions[0].Image)).not.toMatch(/AWS::AccountId|AWS::Region/);
  });

  test('when the name is a token', () => {
    const { registryStack, services } = twoStacks();
    taskUsing(services, new SecureRepository(registryStack, 'Repo', { repositoryName: `team/${Aws.STACK_NAME}` }));
    expect(intrinsics(Template.fromStack(services).toJSON()).has('Fn::ImportValue')).toBe(true);
  });
});

test('a consumer in another account gets the plain strings too, and a consumer in another stage no dependency', () => {
  const app = new App();
  const registryStack = new Stack(app, 'Registry', { env: ENV });
  const repository = new SecureRepository(registryStack, 'Repo', { repositoryName: 'team/api' });
  const other = new Stack(app, 'Other', { env: { account: '222222222222', region: 'us-east-1' } });
  expect(other.resolve(repository.repositoryArn)).toBe('arn:aws:ecr:us-east-1:111111111111:repository/team/api');
  expect(other.dependencies).toEqual([registryStack]);

  const stage = new Stage(app, 'Prod', { env: ENV });
  const staged = new Stack(stage, 'Services');
  expect(staged.resolve(repository.repositoryUriForTag('v1'))).toBe('111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api:v1');
  expect(staged.dependencies).toEqual([]);
});
