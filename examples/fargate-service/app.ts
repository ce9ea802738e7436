// Synthesize: cd examples/fargate-service && npx cdk synth
//
// A Fargate service in subnets without internet access that runs a pinned image of a hardened
// repository: the registry VPC endpoints carry the pulls and the logs, the execution role holds only
// the pull and the log stream (the task role holds nothing), and the deployed tag can never be
// expired by the repository's lifecycle rules.
import { App, ArnFormat, CfnElement, Fn, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ImageReference, RegistryEndpoints, SecureRepository, TaggedImageTaskDefinition } from 'cdk-ecr-blueprints';

export class FargateServiceStack extends Stack {
  // Availability Zones resolved by CloudFormation (Fn::GetAZs) instead of hardcoded names or a
  // context lookup at synth.
  get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Two Availability Zones of isolated subnets: no internet gateway, no NAT.
    const vpcCidr = '10.40.0.0/16';
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(vpcCidr),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    // CloudFormation cannot remove the rules of a VPC's default security group; aws-cdk-lib does it
    // with a Lambda-backed custom resource, which this example does not deploy. Nothing here uses
    // the default group: every network interface has a security group of its own.
    for (const rule of ['NIST.800.53.R5-VPCDefaultSecurityGroupClosed', 'PCI.DSS.321-VPCDefaultSecurityGroupClosed',
      'HIPAA.Security-VPCDefaultSecurityGroupClosed']) {
      Validations.of(vpc).acknowledge({
        id: rule,
        reason: 'no resource uses the default security group; closing it needs a Lambda-backed custom resource',
      });
    }

    // ecr.api, ecr.dkr and logs interface endpoints, and the S3 gateway endpoint for image layers.
    const endpoints = new RegistryEndpoints(this, 'RegistryEndpoints', { vpc });

    const repository = new SecureRepository(this, 'Api', { repositoryName: 'storefront/api' });

    const task = new TaggedImageTaskDefinition(this, 'ApiTask', {
      // Protected from the repository's lifecycle rules as long as this task definition uses it.
      image: ImageReference.fromRepository(repository, { tag: 'v1.4.2' }),
      cpu: 512,
      memoryLimitMiB: 1024,
      portMappings: [{ containerPort: 8080 }],
      writablePaths: ['/tmp'],
      healthCheck: { command: ['CMD-SHELL', 'wget -q -O /dev/null http://localhost:8080/health || exit 1'] },
    });
    Validations.of(task.registryAuthorizationPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permission; this policy holds that one action and nothing else',
    });

    // VPC flow logs to a log group encrypted with the task's log key. The role's permissions are a
    // customer-managed policy scoped to that log group (grants from aws-cdk-lib would be inline).
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      encryptionKey: task.logEncryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
    });
    // The key lets CloudWatch Logs use it for the log groups of the task definitions only; name this
    // one too (CloudFormation names it <stack name>-<logical id>-<suffix>).
    task.logEncryptionKey!.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForFlowLogs',
      principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': this.formatArn({
            service: 'logs',
            resource: 'log-group',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            resourceName: `${this.stackName}-${this.getLogicalId(flowLogGroup.node.defaultChild as CfnElement)}-*`,
          }),
        },
      },
    }));
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    flowLogRole.addManagedPolicy(new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [flowLogGroup.logGroupArn],
      })],
    }));
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole.withoutPolicyUpdates()),
    });

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      // ENABLED rather than ENHANCED: the AWS Control Tower control CT.ECS.PR.2 accepts only "enabled".
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    // The tasks reach nothing but HTTPS, and the only routes out of the subnets are the endpoints.
    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'Api tasks: HTTPS to the VPC endpoints only',
      allowAllOutbound: false,
    });
    serviceSecurityGroup.addEgressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(443), 'ECR and CloudWatch Logs interface endpoints');
    serviceSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'image layers through the S3 gateway endpoint');

    const service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: 2,
      minHealthyPercent: 100,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [serviceSecurityGroup],
      assignPublicIp: false,
      circuitBreaker: { rollback: true },
    });
    // Tasks pull as soon as the service exists: the endpoints come first.
    service.node.addDependency(endpoints);
  }
}

export function buildApp(app: App = new App()): App {
  new FargateServiceStack(app, 'FargateServiceExample', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
