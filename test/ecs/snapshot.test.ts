/**
 * Snapshots of the composite constructs, through the serializer that strips asset hashes. The
 * fargate-service example is snapshotted with the other examples (test/examples).
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DIGEST, FakeCacheRule, stack } from './helpers';
import { ImageReference, RegistryEndpoints, SecureRepository, TaggedImageTaskDefinition } from '../../src';
import { stableTemplate } from '../util/snapshot';

test('TaggedImageTaskDefinition of a SecureRepository tag, with a port and a writable path', () => {
  const s = stack();
  const repo = new SecureRepository(s, 'Repo', { repositoryName: 'team/api' });
  new TaggedImageTaskDefinition(s, 'Task', {
    image: ImageReference.fromRepository(repo, { tag: 'v1.4.2' }),
    cpu: 512,
    memoryLimitMiB: 1024,
    portMappings: [{ containerPort: 8080 }],
    writablePaths: ['/tmp'],
  });
  expect(stableTemplate(Template.fromStack(s).toJSON())).toMatchSnapshot();
});

test('TaggedImageTaskDefinition of a pull-through cached image by digest, x86', () => {
  const s = stack();
  const rule = new FakeCacheRule(s, 'EcrPublic', 'ecr-public');
  new TaggedImageTaskDefinition(s, 'Task', {
    image: ImageReference.fromPullThroughCache(rule, 'nginx/nginx', { digest: DIGEST }),
    cpuArchitecture: ecs.CpuArchitecture.X86_64,
  });
  expect(stableTemplate(Template.fromStack(s).toJSON())).toMatchSnapshot();
});

test('RegistryEndpoints in an isolated VPC', () => {
  const s = stack();
  const vpc = new ec2.Vpc(s, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  new RegistryEndpoints(s, 'Endpoints', { vpc, secretsManager: true });
  expect(stableTemplate(Template.fromStack(s).toJSON())).toMatchSnapshot();
});
