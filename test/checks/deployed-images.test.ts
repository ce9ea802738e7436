import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { actedOnDeployed, DIGEST, findings, policyText } from './deployed-helpers';
import { SecureRepository } from '../../src';
import { analyzeDeployedImages } from '../../src/checks/deployed-images';

const ENV = { account: '111111111111', region: 'us-east-1' };
const EXPIRES = 'ECRB-DEPLOYED-IMAGE-EXPIRES';
const UNDECIDED = 'ECRB-DEPLOYED-IMAGE-UNDECIDED';

beforeAll(() => { process.env.CDK_VALIDATION = 'false'; });

/** Apps with the construct paths in the template metadata, as the CDK CLI synthesizes them. */
const PATHS = { context: { 'aws:cdk:enable-path-metadata': true } };

function app() {
  const a = new App(PATHS);
  return { app: a, stack: new Stack(a, 'Service', { env: ENV }) };
}

/** aws-cdk-lib's repository with "keep 5 images", which expires an old deployed tag. */
function keepFive(stack: Stack, id = 'Plain') {
  return new ecr.Repository(stack, id, { repositoryName: 'team-a/plain', lifecycleRules: [{ maxImageCount: 5, description: 'keep five' }] });
}

describe('analyzeDeployedImages', () => {
  test('a plain ecs.TaskDefinition on an ecr.Repository whose lifecycleRules expire the tag: an error naming all of it, with the fix', () => {
    const { app: a, stack } = app();
    const repo = keepFive(stack);
    const task = new ecs.TaskDefinition(stack, 'Task', { compatibility: ecs.Compatibility.FARGATE, cpu: '256', memoryMiB: '512' });
    task.addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1.4.2') });
    // The rule really expires the image: the same text, evaluated on the history.
    expect(actedOnDeployed(policyText(stack, 'Plain'), [{ tag: 'v1.4.2' }])).toEqual(['v1.4.2: rule 1 expire']);
    expect(findings(a)).toEqual([{
      ruleId: EXPIRES,
      severity: 'error',
      stack: 'Service',
      templatePath: expect.stringMatching(/Service\.template\.json$/),
      logicalId: expect.stringMatching(/^Task/),
      constructPath: 'Service/Task/Resource',
      property: 'ContainerDefinitions[0].Image',
      value: expect.stringContaining('v1.4.2'),
      message: 'task definition Service/Task/Resource, container App: rule 1 "keep five" of the lifecycle policy of the repository ' +
        'Service/Plain/Resource can expire the deployed image team-a/plain:v1.4.2',
      source: expect.stringContaining('docs.aws.amazon.com'),
      fix: 'use a SecureRepository or ContainerRegistry.addRepository (they protect deployed tags), or put a rule ahead of rule 1 ' +
        'that selects exactly this tag and never fires (tagPatternList ["v1.4.2"], imageCountMoreThan 1)',
    }]);
  });

  test('the fix the error gives works: a rule ahead that selects exactly the tag keeps the image, and the finding goes', () => {
    const { app: a, stack } = app();
    const repo = new ecr.Repository(stack, 'Plain', {
      repositoryName: 'team-a/plain',
      lifecycleRules: [
        { rulePriority: 1, tagStatus: ecr.TagStatus.TAGGED, tagPatternList: ['v1.4.2'], maxImageCount: 1, description: 'protect v1.4.2' },
        { rulePriority: 2, maxImageCount: 5, description: 'keep five' },
      ],
    });
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1.4.2') });
    expect(actedOnDeployed(policyText(stack, 'Plain'), [{ tag: 'v1.4.2' }])).toEqual([]);
    expect(findings(a)).toEqual([]);
  });

  test('a SecureRepository on the same paths: no finding (the boundary)', () => {
    const { app: a, stack } = app();
    const repo = new SecureRepository(stack, 'Repo');
    const task = new ecs.TaskDefinition(stack, 'Task', { compatibility: ecs.Compatibility.FARGATE, cpu: '256', memoryMiB: '512' });
    task.addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1.4.2') });
    expect(findings(a)).toEqual([]);
  });

  test('CfnTaskDefinition with a literal image URI on a CfnRepository by name', () => {
    const { app: a, stack } = app();
    new ecr.CfnRepository(stack, 'Legacy', {
      repositoryName: 'legacy/api',
      lifecyclePolicy: {
        lifecyclePolicyText: JSON.stringify({
          rules: [{ rulePriority: 1, description: 'old releases', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } }],
        }),
      },
    });
    new ecs.CfnTaskDefinition(stack, 'Raw', {
      containerDefinitions: [{ name: 'api', image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/legacy/api:v1' }],
    });
    const [finding] = findings(a);
    expect(finding).toMatchObject({
      ruleId: EXPIRES,
      severity: 'error',
      logicalId: 'Raw',
      property: 'ContainerDefinitions[0].Image',
      message: 'task definition Service/Raw, container api: rule 1 "old releases" of the lifecycle policy of the repository Service/Legacy ' +
        'can expire the deployed image legacy/api:v1',
    });
  });

  test('a literal URI in another account is not a repository of the app: no finding', () => {
    const { app: a, stack } = app();
    keepFive(stack);
    new ecs.CfnTaskDefinition(stack, 'Raw', {
      containerDefinitions: [{ name: 'api', image: '222222222222.dkr.ecr.us-east-1.amazonaws.com/team-a/plain:v1' }],
    });
    expect(findings(a)).toEqual([]);
  });

  test('ecs_patterns, Lambda and CodeBuild on a plain repository in another stack (cross-stack export): one error each', () => {
    const a = new App(PATHS);
    const platform = new Stack(a, 'Platform', { env: ENV });
    const repo = keepFive(platform);
    const stack = new Stack(a, 'Service', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    new ecsPatterns.ApplicationLoadBalancedFargateService(stack, 'Web', {
      cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
      taskImageOptions: { image: ecs.ContainerImage.fromEcrRepository(repo, 'v2') },
    });
    new lambda.DockerImageFunction(stack, 'Fn', { code: lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: 'v3' }), timeout: Duration.seconds(5) });
    new codebuild.Project(stack, 'Build', {
      buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['true'] } } }),
      environment: { buildImage: codebuild.LinuxBuildImage.fromEcrRepository(repo, 'v4') },
    });
    const found = findings(a);
    expect(found.map(f => [f.ruleId, f.property])).toEqual([
      [EXPIRES, 'ContainerDefinitions[0].Image'],
      [EXPIRES, 'Code.ImageUri'],
      [EXPIRES, 'Environment.Image'],
    ]);
    expect(found[0].message).toMatch(/^task definition Service\/Web\/TaskDef\/Resource, container web: rule 1 "keep five" of the lifecycle policy of the repository Platform\/Plain\/Resource/);
  });

  test('a digest alone on a plain repository: an error saying the rule sees it without a tag', () => {
    const { app: a, stack } = app();
    const repo = keepFive(stack);
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, DIGEST) });
    const [finding] = findings(a);
    expect(finding.message).toMatch(/rule 1 "keep five" .* can expire the deployed image .*@sha256:a1a1.*, which it sees without a tag \(deployed by digest alone\)$/);
    expect(finding.fix).toMatch(/^give the tag that names the digest/);
  });

  test('a tag only known at deploy time: a warning, never an error', () => {
    const { app: a, stack } = app();
    const repo = keepFive(stack);
    const tag = new CfnParameter(stack, 'Tag').valueAsString;
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, tag) });
    expect(findings(a).map(f => [f.ruleId, f.severity])).toEqual([[UNDECIDED, 'warning']]);
  });

  test('a lifecycle policy text holding a token: a warning, never an error', () => {
    const { app: a, stack } = app();
    const days = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
    const repo = new ecr.Repository(stack, 'Plain', { lifecycleRules: [{ maxImageAge: Duration.days(days) }] });
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1') });
    const found = findings(a);
    expect(found.map(f => [f.ruleId, f.severity])).toEqual([[UNDECIDED, 'warning']]);
  });

  test('a repository without a lifecycle policy and images of other registries: nothing to report', () => {
    const { app: a, stack } = app();
    const repo = new ecr.Repository(stack, 'Bare');
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1') });
    task.addContainer('Side', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27') });
    expect(findings(a)).toEqual([]);
  });

  test('an empty app and malformed templates do not throw', () => {
    expect(analyzeDeployedImages([])).toEqual([]);
    expect(analyzeDeployedImages([{ constructPath: 'S', stackName: 'S', template: {} }])).toEqual([]);
    expect(analyzeDeployedImages([{ constructPath: 'S', stackName: 'S', template: { Resources: { T: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Image: 42 }] } } } } }])).toEqual([]);
  });
});
