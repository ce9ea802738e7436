// The security posture the library synthesizes for bench/apps/ours.ts, written by hand with
// aws-cdk-lib (bench/posture.ts checks that the two templates match):
// - one customer-managed key (rotation, RETAIN) shared by the repositories, registry scanning on push;
// - per repository: IMMUTABLE tags, scan on push, KMS with the shared key, RETAIN, and a lifecycle
//   policy that protects the deployed tag, expires untagged images after 14 days and keeps the newest
//   100 tagged images;
// - per task definition (Fargate, ARM64, 256 CPU, 512 MiB): a read-only root filesystem, a non-root
//   user, a task role without permissions, an execution role without inline policy (one
//   customer-managed policy scoped to the repository and the log group, one holding only
//   ecr:GetAuthorizationToken on *), and a log group kept one year, encrypted with a key of its own
//   (rotation, RETAIN) whose key policy lets CloudWatch Logs of this account and region use it.
import { App, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';

const DEPLOYED_TAG = 'v1.0.0';

export function buildApp(app: App, count: number): Stack {
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });

  const key = new kms.Key(stack, 'RegistryKey', {
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  new ecr.CfnRegistryScanningConfiguration(stack, 'Scanning', {
    scanType: 'BASIC',
    rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
  });
  const logsArn = stack.formatArn({
    service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

  for (let i = 0; i < count; i++) {
    const repository = new ecr.Repository(stack, `Repository${i}`, {
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
          description: `Protect tag ${DEPLOYED_TAG} (Bench/Task${i}): selecting it here stops lower-priority rules; this rule never fires`,
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

    const logKey = new kms.Key(stack, `LogKey${i}`, {
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts with the key only if the key policy lets it, for this account's log groups.
    logKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logsArn } },
    }));
    const logGroup = new logs.LogGroup(stack, `Logs${i}`, {
      encryptionKey: logKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Customer-managed policies instead of the role's inline default policy; the unavoidable `*`
    // (GetAuthorizationToken has no resource-level permission) sits alone in its own policy.
    const pullAndLogs = new iam.ManagedPolicy(stack, `ExecutionPolicy${i}`, {
      statements: [
        new iam.PolicyStatement({
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          resources: [repository.repositoryArn],
        }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    const authorization = new iam.ManagedPolicy(stack, `AuthorizationPolicy${i}`, {
      statements: [new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] })],
    });
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
      image: ecs.ContainerImage.fromEcrRepository(repository, DEPLOYED_TAG),
      essential: true,
      user: '1000:1000',
      readonlyRootFilesystem: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'ecs' }),
    });
  }
  return stack;
}
