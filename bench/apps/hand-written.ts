// The security posture of the library, written by hand with aws-cdk-lib: one shared customer-managed
// key (rotation, RETAIN) for images and logs, registry scanning on push, and per repository an
// immutable, KMS-encrypted repository with scan on push and a lifecycle policy that protects the
// deployed tag, plus a Fargate task definition pinned to that tag with an encrypted log group.
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
    description: 'Encrypts the images of every repository of the registry and the task logs',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // CloudWatch Logs encrypts with the key only if the key policy lets it, for this account's log groups.
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
          service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    },
  }));
  new ecr.CfnRegistryScanningConfiguration(stack, 'Scanning', {
    scanType: 'BASIC',
    rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
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
          description: `Protect tag ${DEPLOYED_TAG} (deployed)`,
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

    const logGroup = new logs.LogGroup(stack, `Logs${i}`, {
      encryptionKey: key,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const task = new ecs.FargateTaskDefinition(stack, `Task${i}`, { cpu: 256, memoryLimitMiB: 512 });
    task.addContainer('app', {
      // Grants the execution role pull on this repository only (and GetAuthorizationToken, which has no resource).
      image: ecs.ContainerImage.fromEcrRepository(repository, DEPLOYED_TAG),
      readonlyRootFilesystem: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'app' }),
    });
  }
  return stack;
}
