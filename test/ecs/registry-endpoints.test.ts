import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { stack } from './helpers';
import { RegistryEndpoints, RegistryEndpointsProps } from '../../src';

const PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

function vpcIn(s: Stack): ec2.Vpc {
  return new ec2.Vpc(s, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
}

function endpointsIn(s: Stack, props: Partial<RegistryEndpointsProps> = {}): RegistryEndpoints {
  return new RegistryEndpoints(s, 'Endpoints', { vpc: vpcIn(s), ...props });
}

function endpoint(template: Template, serviceSuffix: string): any {
  const found = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter(r => {
    const name = JSON.stringify(r.Properties.ServiceName);
    return name.endsWith(`${serviceSuffix}"`) || name.endsWith(`"${serviceSuffix}"]]}`);
  });
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

const repositoriesOf = (account: string) =>
  ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:us-east-1:${account}:repository/*`]] });

describe('RegistryEndpoints defaults', () => {
  test('ecr.api, ecr.dkr and logs interface endpoints with private DNS, and the S3 gateway endpoint', () => {
    const s = stack();
    endpointsIn(s);
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    for (const service of ['ecr.api', 'ecr.dkr', 'logs']) {
      expect(endpoint(t, `.${service}`)).toMatchObject({
        ServiceName: `com.amazonaws.us-east-1.${service}`,
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SubnetIds: [{ Ref: expect.stringMatching(/^VpcappSubnet1/) }, { Ref: expect.stringMatching(/^VpcappSubnet2/) }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^EndpointsSecurityGroup/), 'GroupId'] }],
      });
    }
    expect(endpoint(t, '.s3')).toMatchObject({
      VpcEndpointType: 'Gateway',
      RouteTableIds: [{ Ref: expect.stringMatching(/^VpcappSubnet1RouteTable/) }, { Ref: expect.stringMatching(/^VpcappSubnet2RouteTable/) }],
    });
  });

  test('the security group accepts 443 from the VPC CIDR block only and sends nothing', () => {
    const s = stack();
    endpointsIn(s);
    Template.fromStack(s).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: '10.40.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      // aws-cdk-lib's placeholder for "no egress".
      SecurityGroupEgress: [{ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86, Description: 'Disallow all traffic' }],
    });
  });

  test('ECR endpoint policies: the pull on the account repositories, the authorization token on *', () => {
    const s = stack();
    endpointsIn(s);
    const t = Template.fromStack(s);
    for (const service of ['.ecr.api', '.ecr.dkr']) {
      expect(endpoint(t, service).PolicyDocument.Statement).toEqual([
        { Sid: 'RepositoriesOfTheRegistryAccounts', Effect: 'Allow', Principal: { AWS: '*' }, Action: PULL, Resource: repositoriesOf('111111111111') },
        { Sid: 'RegistryAuthorizationToken', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      ]);
    }
  });

  test('the S3 policy allows reading the ECR layer bucket of the region and nothing else', () => {
    const s = stack();
    endpointsIn(s);
    expect(endpoint(Template.fromStack(s), '.s3').PolicyDocument.Statement).toEqual([{
      Sid: 'EcrImageLayers',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::prod-us-east-1-starport-layer-bucket/*']] },
    }]);
  });

  test('the logs policy allows writing log streams of the account', () => {
    const s = stack();
    endpointsIn(s);
    expect(endpoint(Template.fromStack(s), '.logs').PolicyDocument.Statement).toEqual([{
      Sid: 'LogGroupsOfThisAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:111111111111:log-group:*']] },
    }]);
  });

  test('an environment-agnostic stack uses the stack tokens', () => {
    const s = new Stack();
    endpointsIn(s);
    const policy = endpoint(Template.fromStack(s), '.s3').PolicyDocument.Statement[0];
    expect(policy.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::prod-', { Ref: 'AWS::Region' }, '-starport-layer-bucket/*']],
    });
  });
});

describe('RegistryEndpoints options', () => {
  test('push, pull-through cache and several registry accounts', () => {
    const s = stack();
    endpointsIn(s, { allowPush: true, allowPullThroughCache: true, registryAccounts: ['111111111111', '222222222222'] });
    expect(endpoint(Template.fromStack(s), '.ecr.dkr').PolicyDocument.Statement[0]).toEqual({
      Sid: 'RepositoriesOfTheRegistryAccounts',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: [...PULL, 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
        'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
      Resource: [repositoriesOf('111111111111'), repositoriesOf('222222222222')],
    });
  });

  test('Secrets Manager on, logs and S3 off', () => {
    const s = stack();
    const endpoints = endpointsIn(s, { secretsManager: true, logs: false, s3GatewayEndpoint: false });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
    expect(endpoints.logsEndpoint).toBeUndefined();
    expect(endpoints.s3Endpoint).toBeUndefined();
    expect(endpoint(t, '.secretsmanager').PolicyDocument.Statement).toEqual([{
      Sid: 'SecretsOfThisAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'secretsmanager:GetSecretValue',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:111111111111:secret:*']] },
    }]);
  });

  test('given peers replace the VPC CIDR block', () => {
    const s = stack();
    endpointsIn(s, { allowedPeers: [ec2.Peer.ipv4('10.40.1.0/24'), ec2.Peer.ipv4('10.40.2.0/24')] });
    Template.fromStack(s).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '10.40.1.0/24', FromPort: 443 }),
        Match.objectLike({ CidrIp: '10.40.2.0/24', FromPort: 443 }),
      ],
    });
  });

  test('an imported VPC uses its CIDR attribute', () => {
    const s = stack();
    const vpc = ec2.Vpc.fromVpcAttributes(s, 'Imported', {
      vpcId: 'vpc-12345678',
      vpcCidrBlock: '10.9.0.0/16',
      availabilityZones: ['us-east-1a'],
      isolatedSubnetIds: ['subnet-1'],
      isolatedSubnetRouteTableIds: ['rtb-1'],
    });
    new RegistryEndpoints(s, 'Endpoints', { vpc });
    Template.fromStack(s).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.9.0.0/16', FromPort: 443 })],
    });
  });

  test('the endpoints are connectable and accept more statements', () => {
    const s = stack();
    const endpoints = endpointsIn(s);
    expect(endpoints.connections.securityGroups).toEqual([endpoints.securityGroup]);
    expect(endpoints.ecrApiEndpoint).toBeInstanceOf(ec2.InterfaceVpcEndpoint);
    expect(endpoints.ecrDockerEndpoint).toBeInstanceOf(ec2.InterfaceVpcEndpoint);
    expect(endpoints.logsEndpoint).toBeInstanceOf(ec2.InterfaceVpcEndpoint);
    expect(endpoints.s3Endpoint).toBeInstanceOf(ec2.GatewayVpcEndpoint);
  });
});

describe('RegistryEndpoints validation', () => {
  test('a malformed registry account', () => {
    expect(() => endpointsIn(stack(), { registryAccounts: ['12345'] }))
      .toThrow('Test/Endpoints: invalid registryAccounts "12345": account ids are exactly 12 digits');
  });

  test('no registry account', () => {
    expect(() => endpointsIn(stack(), { registryAccounts: [] }))
      .toThrow('Test/Endpoints: invalid registryAccounts []: must have 1-20 entries (got 0)');
  });

  test('a registry account twice', () => {
    expect(() => endpointsIn(stack(), { registryAccounts: ['111111111111', '111111111111'] }))
      .toThrow('entries must be unique ("111111111111" appears more than once)');
  });

  test.each([['enableDnsSupport'], ['enableDnsHostnames']])('a VPC with %s off', (property) => {
    const s = stack();
    const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], [property]: false });
    expect(() => new RegistryEndpoints(s, 'Endpoints', { vpc })).toThrow(
      `Test/Endpoints: invalid vpc ${property} false: private DNS names of interface endpoints need DNS support and DNS hostnames enabled in the VPC`);
  });

  test('an empty peer list', () => {
    expect(() => endpointsIn(stack(), { allowedPeers: [] }))
      .toThrow('Test/Endpoints: invalid allowedPeers []: must have 1-50 entries (got 0)');
  });
});
