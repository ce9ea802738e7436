import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ACCOUNT_PATTERN, ACCOUNT_RULE } from '../private/ecr-rules';
import { checkCount, checkPattern, checkUnique, fail } from '../private/validate';

/**
 * Properties of `RegistryEndpoints`.
 */
export interface RegistryEndpointsProps {
  /**
   * The VPC whose tasks pull images privately. Its DNS support and DNS hostnames must be enabled
   * (the interface endpoints use private DNS names).
   */
  readonly vpc: ec2.IVpc;

  /**
   * Where the interface endpoints are placed (one network interface per Availability Zone).
   *
   * @default - the VPC's private subnets, or its isolated subnets when it has no private ones
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * Who may connect to the interface endpoints on port 443.
   *
   * @default - the VPC's primary CIDR block (written literally when the VPC is defined in the app)
   */
  readonly allowedPeers?: ec2.IPeer[];

  /**
   * The accounts whose repositories can be used through the ECR endpoints (1-20 twelve-digit ids).
   *
   * @default - the account of the stack
   */
  readonly registryAccounts?: string[];

  /**
   * Also allow pushing images through the ECR endpoints (for builds that run in the VPC).
   *
   * @default false
   */
  readonly allowPush?: boolean;

  /**
   * Also allow pulls through a pull-through cache rule (`ecr:BatchImportUpstreamImage` and
   * `ecr:CreateRepository` on the registry accounts' repositories). ECR's user guide notes that,
   * with interface endpoints, the first pull of an image through a rule needs a route to the
   * internet (a NAT gateway) from the VPC; later pulls do not.
   *
   * @default false
   */
  readonly allowPullThroughCache?: boolean;

  /**
   * Create the S3 gateway endpoint the image layers are downloaded through. Set to false when the
   * VPC already has an S3 gateway endpoint on the same route tables (two cannot coexist); that
   * endpoint's policy must then allow `s3:GetObject` on `prod-<region>-starport-layer-bucket`.
   *
   * @default true
   */
  readonly s3GatewayEndpoint?: boolean;

  /**
   * The subnets whose route tables get the S3 gateway route.
   *
   * @default - every subnet of the VPC
   */
  readonly s3GatewaySubnets?: ec2.SubnetSelection[];

  /**
   * Create the CloudWatch Logs interface endpoint the `awslogs` log driver writes through.
   *
   * @default true
   */
  readonly logs?: boolean;

  /**
   * Create a Secrets Manager interface endpoint, for tasks whose `secrets` come from Secrets Manager.
   *
   * @default false
   */
  readonly secretsManager?: boolean;
}

/**
 * The VPC endpoints that let Fargate tasks in subnets without internet access pull images from
 * ECR and write their logs:
 *
 * - interface endpoints `ecr.api`, `ecr.dkr` and `logs` (and optionally `secretsmanager`) with
 *   private DNS, behind a security group that accepts HTTPS (443) only from the VPC's CIDR block
 *   (or the given peers) and sends nothing;
 * - the S3 gateway endpoint the image layers come through.
 *
 * Every endpoint has a policy scoped to what pulling and logging need:
 * - ECR: the pull actions (and push or pull-through cache actions when enabled) on
 *   `repository/*` of the registry accounts, and `ecr:GetAuthorizationToken` (no resource-level
 *   permission exists for it);
 * - S3: `s3:GetObject` on `arn:<partition>:s3:::prod-<region>-starport-layer-bucket/*`, the bucket
 *   ECR serves layers from (ECR user guide, minimum Amazon S3 bucket permissions for Amazon ECR).
 *   The gateway endpoint carries all S3 traffic of the route tables it is added to, so other S3
 *   access from those subnets needs statements of its own (`s3Endpoint.addToPolicy`);
 * - CloudWatch Logs: `logs:CreateLogStream` and `logs:PutLogEvents` on the log groups of the account;
 * - Secrets Manager: `secretsmanager:GetSecretValue` on the secrets of the account.
 *
 * Add statements with `addToPolicy` on the endpoint properties for anything else the VPC's
 * workloads do through them. Interface endpoints with private DNS are per VPC: create at most one
 * `RegistryEndpoints` per VPC.
 */
export class RegistryEndpoints extends Construct implements ec2.IConnectable {
  /** The security group of the interface endpoints. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** Connections of the interface endpoints (their security group). */
  public readonly connections: ec2.Connections;
  /** The `ecr.api` interface endpoint. */
  public readonly ecrApiEndpoint: ec2.InterfaceVpcEndpoint;
  /** The `ecr.dkr` interface endpoint. */
  public readonly ecrDockerEndpoint: ec2.InterfaceVpcEndpoint;
  /** The CloudWatch Logs interface endpoint, when created. */
  public readonly logsEndpoint?: ec2.InterfaceVpcEndpoint;
  /** The Secrets Manager interface endpoint, when created. */
  public readonly secretsManagerEndpoint?: ec2.InterfaceVpcEndpoint;
  /** The S3 gateway endpoint, when created. */
  public readonly s3Endpoint?: ec2.GatewayVpcEndpoint;

  constructor(scope: Construct, id: string, props: RegistryEndpointsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const accounts = props.registryAccounts ?? [stack.account];
    checkCount(this, 'registryAccounts', accounts, 1, 20);
    checkUnique(this, 'registryAccounts', accounts);
    if (props.registryAccounts) {
      for (const account of accounts) checkPattern(this, 'registryAccounts', account, ACCOUNT_PATTERN, ACCOUNT_RULE);
    }
    if (props.allowedPeers) checkCount(this, 'allowedPeers', props.allowedPeers, 1, 50);
    const vpcResource = props.vpc.node.defaultChild;
    if (vpcResource instanceof ec2.CfnVPC) {
      for (const [property, value] of [['enableDnsSupport', vpcResource.enableDnsSupport], ['enableDnsHostnames', vpcResource.enableDnsHostnames]] as const) {
        if (value === false) {
          fail(this, `vpc ${property}`, value, 'private DNS names of interface endpoints need DNS support and DNS hostnames enabled in the VPC');
        }
      }
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `HTTPS to the registry VPC endpoints of ${this.node.path}`,
      allowAllOutbound: false,
    });
    for (const peer of props.allowedPeers ?? [ec2.Peer.ipv4(primaryCidr(props.vpc))]) {
      this.securityGroup.addIngressRule(peer, ec2.Port.tcp(443), 'HTTPS to the registry VPC endpoints');
    }
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(443) });

    const endpoint = (endpointId: string, service: ec2.InterfaceVpcEndpointAwsService) =>
      new ec2.InterfaceVpcEndpoint(this, endpointId, {
        vpc: props.vpc,
        service,
        subnets: props.subnets,
        privateDnsEnabled: true,
        securityGroups: [this.securityGroup],
        open: false,
      });

    const repositories = accounts.map(account => Arn.format({
      service: 'ecr',
      account,
      resource: 'repository',
      resourceName: '*',
    }, stack));
    const ecrActions = [
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      ...props.allowPush ? ['ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'] : [],
      ...props.allowPullThroughCache ? ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'] : [],
    ];
    this.ecrApiEndpoint = endpoint('EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR);
    this.ecrDockerEndpoint = endpoint('EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER);
    for (const ecrEndpoint of [this.ecrApiEndpoint, this.ecrDockerEndpoint]) {
      ecrEndpoint.addToPolicy(new iam.PolicyStatement({
        sid: 'RepositoriesOfTheRegistryAccounts',
        principals: [new iam.AnyPrincipal()],
        actions: ecrActions,
        resources: repositories,
      }));
      ecrEndpoint.addToPolicy(new iam.PolicyStatement({
        sid: 'RegistryAuthorizationToken',
        principals: [new iam.AnyPrincipal()],
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'],
      }));
    }

    if (props.logs ?? true) {
      this.logsEndpoint = endpoint('Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS);
      this.logsEndpoint.addToPolicy(new iam.PolicyStatement({
        sid: 'LogGroupsOfThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [Arn.format({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack)],
      }));
    }

    if (props.secretsManager) {
      this.secretsManagerEndpoint = endpoint('SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER);
      this.secretsManagerEndpoint.addToPolicy(new iam.PolicyStatement({
        sid: 'SecretsOfThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: [Arn.format({ service: 'secretsmanager', resource: 'secret', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack)],
      }));
    }

    if (props.s3GatewayEndpoint ?? true) {
      this.s3Endpoint = new ec2.GatewayVpcEndpoint(this, 'S3', {
        vpc: props.vpc,
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: props.s3GatewaySubnets,
      });
      this.s3Endpoint.addToPolicy(new iam.PolicyStatement({
        sid: 'EcrImageLayers',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [`arn:${stack.partition}:s3:::prod-${stack.region}-starport-layer-bucket/*`],
      }));
    }
  }
}

/**
 * The primary CIDR block of the VPC: the literal value when the VPC is defined in the app (so that
 * rule checkers can read the security group), the `CidrBlock` attribute otherwise.
 */
function primaryCidr(vpc: ec2.IVpc): string {
  const resource = vpc.node.defaultChild;
  if (resource instanceof ec2.CfnVPC && typeof resource.cidrBlock === 'string' && !Token.isUnresolved(resource.cidrBlock)) {
    return resource.cidrBlock;
  }
  return vpc.vpcCidrBlock;
}
