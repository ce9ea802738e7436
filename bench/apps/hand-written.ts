// The security posture the library synthesizes for bench/apps/ours.ts, written by hand with
// aws-cdk-lib the way a careful engineer would (bench/posture.ts checks that the templates match):
// - one customer-managed key (rotation, RETAIN) shared by the repositories, registry scanning on push;
// - per repository: IMMUTABLE tags, scan on push, KMS with the shared key, RETAIN, and a lifecycle
//   policy that protects the deployed tag, expires untagged images after 14 days and keeps the newest
//   100 tagged images;
// - per task definition (Fargate, ARM64, 256 CPU, 512 MiB): a read-only root filesystem, a non-root
//   user, a task role without permissions, an execution role without inline policy (one
//   customer-managed policy scoped to the repository and the log group, one holding only
//   ecr:GetAuthorizationToken on *, one per stack for all its execution roles), and a log group
//   kept one year;
// - per stack: one log key (rotation, RETAIN) for all its log groups, whose key policy lets
//   CloudWatch Logs use it for those log groups only (CloudFormation names a log group without a
//   name <stack name>-<logical id>-<suffix>).
// In the platform shape, service stacks refer to the repositories by name (no exports).
import { App, ArnFormat, CfnElement, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';

const DEPLOYED_TAG = 'v1.0.0';
const ENV = { account: '123456789012', region: 'us-east-1' };
/** Services per service stack in the platform shape. */
export const SERVICES_PER_STACK = 50;

/** The key policy statement of the AWS Control Tower control CT.KMS.PR.3: grants only by AWS services. */
function grantsOnlyForAwsServices(key: kms.Key): kms.Key {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
  return key;
}

function registry(stack: Stack): kms.Key {
  new ecr.CfnRegistryScanningConfiguration(stack, 'Scanning', {
    scanType: 'BASIC',
    rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
  });
  return grantsOnlyForAwsServices(new kms.Key(stack, 'RegistryKey', {
    description: 'Encrypts the images of the ECR registry',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  }));
}

function repository(stack: Stack, key: kms.IKey, i: number, deployedBy: string): ecr.Repository {
  return new ecr.Repository(stack, `Repository${i}`, {
    repositoryName: `team/app-${i}`,
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    imageScanOnPush: true,
    encryption: ecr.RepositoryEncryption.KMS,
    encryptionKey: key,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      // Selecting the deployed tag first keeps the later rules from expiring it; it never fires.
      {
        rulePriority: 1,
        description: `Protect tag ${DEPLOYED_TAG} (${deployedBy}): selecting it here stops lower-priority rules; this rule never fires`,
        tagStatus: ecr.TagStatus.TAGGED,
        tagPatternList: [DEPLOYED_TAG],
        maxImageCount: 1000,
      },
      {
        rulePriority: 2,
        description: 'Expire untagged images 14 days after push',
        tagStatus: ecr.TagStatus.UNTAGGED,
        maxImageAge: Duration.days(14),
      },
      {
        rulePriority: 3,
        description: 'Keep the newest 100 images tagged *',
        tagStatus: ecr.TagStatus.TAGGED,
        tagPatternList: ['*'],
        maxImageCount: 100,
      },
    ],
  });
}

/** The stack's one policy with ecr:GetAuthorizationToken on `*`, attached to each execution role. */
const authorizationPolicies = new WeakMap<Stack, iam.ManagedPolicy>();

function authorizationPolicy(stack: Stack): iam.ManagedPolicy {
  let policy = authorizationPolicies.get(stack);
  if (!policy) {
    policy = new iam.ManagedPolicy(stack, 'AuthorizationPolicy', {
      description: 'ecr:GetAuthorizationToken for the roles of this stack that pull from ECR (the action has no resource-level permission)',
      statements: [new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] })],
    });
    authorizationPolicies.set(stack, policy);
  }
  return policy;
}

/** The stack's log key and the ARN patterns of the log groups it may encrypt. */
const logKeys = new WeakMap<Stack, { key: kms.Key; logGroups: string[] }>();

function logKey(stack: Stack): { key: kms.Key; logGroups: string[] } {
  let entry = logKeys.get(stack);
  if (!entry) {
    const logGroups: string[] = [];
    const key = grantsOnlyForAwsServices(new kms.Key(stack, 'LogKey', {
      description: 'Encrypts the logs of the ECS tasks of this stack',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    }));
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForItsLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Lazy.list({ produce: () => logGroups }) } },
    }));
    entry = { key, logGroups };
    logKeys.set(stack, entry);
  }
  return entry;
}

function service(stack: Stack, repo: ecr.IRepository, i: number): void {
  const { key, logGroups } = logKey(stack);
  const logGroup = new logs.LogGroup(stack, `Logs${i}`, {
    encryptionKey: key,
    retention: logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  logGroups.push(stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `${stack.stackName}-${stack.getLogicalId(logGroup.node.defaultChild as CfnElement)}-*`,
  }));

  // Customer-managed policies instead of the role's inline default policy; the unavoidable `*`
  // (GetAuthorizationToken has no resource-level permission) sits alone in one policy per stack.
  const pullAndLogs = new iam.ManagedPolicy(stack, `ExecutionPolicy${i}`, {
    statements: [
      new iam.PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: [repo.repositoryArn],
      }),
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    ],
  });
  const authorization = authorizationPolicy(stack);
  const executionRole = new iam.Role(stack, `ExecutionRole${i}`, {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    managedPolicies: [pullAndLogs, authorization],
  });

  const task = new ecs.FargateTaskDefinition(stack, `Task${i}`, {
    cpu: 256,
    memoryLimitMiB: 512,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    // The grants aws-cdk-lib makes for the image and the log driver would create an inline
    // policy; the managed policies above already hold them.
    executionRole: executionRole.withoutPolicyUpdates(),
  });
  task.addContainer('Container', {
    containerName: 'app',
    image: ecs.ContainerImage.fromEcrRepository(repo, DEPLOYED_TAG),
    essential: true,
    // A container-level hard limit (AWS Control Tower CT.ECS.PR.7): the whole task's memory.
    memoryLimitMiB: 512,
    user: '1000:1000',
    readonlyRootFilesystem: true,
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'ecs' }),
  });
}

/** One stack: the registry, N repositories and N task definitions. */
export function buildApp(app: App, count: number): Stack {
  const stack = new Stack(app, 'Bench', { env: ENV });
  const key = registry(stack);
  for (let i = 0; i < count; i++) service(stack, repository(stack, key, i, `Bench/Task${i}`), i);
  return stack;
}

/** The platform: a registry stack with N repositories, service stacks of 50 task definitions each. */
export function buildPlatform(app: App, count: number): Stack {
  const registryStack = new Stack(app, 'Registry', { env: ENV });
  const key = registry(registryStack);
  const services: Stack[] = [];
  for (let i = 0; i < count; i++) {
    const index = Math.floor(i / SERVICES_PER_STACK);
    services[index] ??= new Stack(app, `Services${index + 1}`, { env: ENV });
    services[index].addStackDependency(registryStack);
    repository(registryStack, key, i, `${services[index].stackName}/Task${i}`);
    // By name, so that the registry stack exports nothing (200 outputs per stack at most).
    service(services[index], ecr.Repository.fromRepositoryName(services[index], `Repository${i}`, `team/app-${i}`), i);
  }
  return registryStack;
}
