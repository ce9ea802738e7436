/**
 * The README's before/after for "Check any CDK app", as written there: the plain aws-cdk-lib app
 * fails synth with the findings shown, and the fixed app passes with none.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { runChecks, withoutTemplateValidator } from './helpers';

withoutTemplateValidator();

const ENV = { account: '123456789012', region: 'us-east-1' };

test('before: the plain aws-cdk-lib app fails synth with the README\'s findings', () => {
  const result = runChecks((app: App) => {
    const stack = new Stack(app, 'Service', { env: ENV });
    const repository = new ecr.Repository(stack, 'Api');
    const task = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 4096 });
    task.addContainer('app', { image: ecs.ContainerImage.fromEcrRepository(repository, 'v1.4.2') });
    task.addContainer('proxy', { image: ecs.ContainerImage.fromRegistry('nginx'), user: 'root' });
  });
  expect(result.failed).toBe(true);
  expect(result.violations.map(v => `${v.severity} ${v.ruleName} ${v.violatingConstructs[0].constructPath}`).sort()).toEqual([
    'error ECRB-ECS-MUTABLE-TAG Service/Task/Resource',
    'error ECRB-ECS-NO-TAG Service/Task/Resource',
    'error ECRB-ECS-ROOT-USER Service/Task/Resource',
    'error ECRB-FARGATE-TASK-SIZE Service/Task/Resource',
    'warning ECRB-ECS-READONLY-ROOT Service/Task/Resource',
    'warning ECRB-ECS-READONLY-ROOT Service/Task/Resource',
    'warning ECRB-REPO-MUTABLE-TAGS Service/Api/Resource',
    'warning ECRB-REPO-NO-LIFECYCLE Service/Api/Resource',
    'warning ECRB-REPO-NO-SCAN Service/Api/Resource',
  ]);
  expect(result.violations.map(v => v.description)).toEqual(expect.arrayContaining([
    expect.stringContaining('Service/Task/Resource: invalid Memory 4096: with cpu 256 Fargate accepts memoryLimitMiB 512, 1024, 2048'),
    expect.stringContaining('Service/Task/Resource: container 1 (proxy): invalid user "root": the container would run as root; use a non-root user'),
  ]));
});

test('after: the fixes the messages name make the app pass with no finding', () => {
  const result = runChecks((app: App) => {
    const stack = new Stack(app, 'Service', { env: ENV });
    const repository = new ecr.Repository(stack, 'Api', {
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      lifecycleRules: [{ tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(14) }],
    });
    const task = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 512 });
    task.addContainer('app', {
      image: ecs.ContainerImage.fromEcrRepository(repository, 'v1.4.2'),
      user: '1000',
      readonlyRootFilesystem: true,
    });
    task.addContainer('proxy', { image: ecs.ContainerImage.fromRegistry('nginx:1.27.3'), user: '101', readonlyRootFilesystem: true });
  });
  expect(result.failed).toBe(false);
  expect(result.violations).toEqual([]);
});
