/**
 * The default and every documented configuration of every public construct, synthesized into one
 * app: zero unacknowledged findings in the five cdk-nag packs and zero failures of the AWS Control
 * Tower proactive controls (cfn-guard). The acknowledgements made here are the user's, as the README
 * documents them (ecr:GetAuthorizationToken on the task definition's own policy); everything the
 * library creates is acknowledged by the library or passes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { nagFindings } from '../../scripts/compliance';
import { controlTowerFindingsOfDirectory } from '../../scripts/control-tower';
import {
  ContainerRegistry, ImageReference, LifecycleRule, RegistryEndpoints, RegistryScanning, ReplicationDestination,
  RepositoryCreationScenario, SecureRepository, TaggedImageTaskDefinition, UpstreamRegistry,
} from '../../src';

const ENV = { account: '111111111111', region: 'us-east-1' };
const DIGEST = `sha256:${'a1'.repeat(32)}`;

/** A key of the user's, written the way CT.KMS.PR.3 wants it (as the README shows). */
function userKey(scope: Stack, id: string): kms.Key {
  const key = new kms.Key(scope, id, { enableKeyRotation: true });
  key.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
  return key;
}

function acknowledgeToken(task: TaggedImageTaskDefinition): void {
  Validations.of(task.registryAuthorizationPolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken has no resource-level permission; this policy holds that one action and nothing else',
  });
}

const configurations: Record<string, (s: Stack) => void> = {
  'repository-default': s => { new SecureRepository(s, 'Repo'); },
  'repository-given-key': s => { new SecureRepository(s, 'Repo', { encryptionKey: userKey(s, 'Key') }); },
  'repository-aws-managed-key': s => { new SecureRepository(s, 'Repo', { awsManagedKey: true }); },
  'repository-kms-dsse': s => { new SecureRepository(s, 'Repo', { encryption: ecr.RepositoryEncryption.KMS_DSSE }); },
  'repository-archive-lifecycle': s => {
    new SecureRepository(s, 'Repo', {
      lifecycleRules: [LifecycleRule.expireUntaggedAfter(1), LifecycleRule.archiveAfterDaysSinceLastPull(30), LifecycleRule.expireArchivedAfter(90)],
    }).protectTag('v1.0.0', 'matrix');
  },
  'repository-destroy-empty-on-delete': s => { new SecureRepository(s, 'Repo', { removalPolicy: RemovalPolicy.DESTROY, emptyOnDelete: true }); },
  'repository-pull-to-accounts': s => { new SecureRepository(s, 'Repo', { repositoryName: 'team-a/api' }).grantPullToAccounts(['222222222222']); },
  'repository-pull-to-organization': s => { new SecureRepository(s, 'Repo', { repositoryName: 'team-a/api' }).grantPullToOrganization('o-abc123def4'); },
  'registry-default': s => { new ContainerRegistry(s, 'Registry').addRepository('team-a/api'); },
  'registry-enhanced-scanning': s => { new ContainerRegistry(s, 'Registry', { scanning: RegistryScanning.enhanced({ continuous: ['prod'] }) }); },
  'registry-replication-region': s => { new ContainerRegistry(s, 'Registry', { replicateTo: [ReplicationDestination.region('eu-west-1')] }); },
  'registry-pull-through-ecr-public': s => {
    const registry = new ContainerRegistry(s, 'Registry');
    registry.addCreationTemplate('ecr-public', { appliedFor: [RepositoryCreationScenario.PULL_THROUGH_CACHE], resourceTags: { team: 'platform' } });
    registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
  },
  'registry-pull-through-ecr': s => {
    new ContainerRegistry(s, 'Registry').addPullThroughCache('mirror', UpstreamRegistry.ecr({ account: '222222222222', region: 'eu-west-1', repositoryPrefix: 'release' }));
  },
  'registry-create-on-push-template': s => {
    new ContainerRegistry(s, 'Registry').addCreationTemplate('team-a', { appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH], resourceTags: { team: 'a' } });
  },
  'registry-allow-replication-from': s => { new ContainerRegistry(s, 'Registry').allowReplicationFrom('222222222222'); },
  'registry-destroy': s => { new ContainerRegistry(s, 'Registry', { removalPolicy: RemovalPolicy.DESTROY }).addRepository('team-a/api'); },
  'task-default': s => {
    const repo = new SecureRepository(s, 'Repo', { repositoryName: 'team-a/api' });
    acknowledgeToken(new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1' }) }));
  },
  'task-options': s => {
    const repo = new SecureRepository(s, 'Repo', { repositoryName: 'team-a/api' });
    acknowledgeToken(new TaggedImageTaskDefinition(s, 'Task', {
      // The digest pins the image; the tag names it, so the lifecycle rules can be told to keep it.
      image: ImageReference.fromRepository(repo, { tag: 'v1.4.2', digest: DIGEST }),
      cpu: 1024,
      memoryLimitMiB: 4096,
      containerMemoryLimitMiB: 3072,
      writablePaths: ['/tmp'],
      portMappings: [{ containerPort: 8080 }],
      removalPolicy: RemovalPolicy.DESTROY,
    }));
  },
  'task-pull-through-cache': s => {
    const rule = new ContainerRegistry(s, 'Registry').addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());
    acknowledgeToken(new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromPullThroughCache(rule, 'nginx/nginx', { tag: '1.27.3', allowMutableTag: true }) }));
  },
  'registry-endpoints': s => {
    const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0, maxAzs: 2, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new RegistryEndpoints(s, 'Endpoints', { vpc });
  },
};

/** User-side findings of the VPC the endpoints need (not created by the library), acknowledged as the fargate example does. */
function acknowledgeVpc(s: Stack): void {
  const vpc = s.node.tryFindChild('Vpc');
  if (!vpc) return;
  for (const id of ['NIST.800.53.R5-VPCDefaultSecurityGroupClosed', 'PCI.DSS.321-VPCDefaultSecurityGroupClosed', 'HIPAA.Security-VPCDefaultSecurityGroupClosed',
    'AwsSolutions-VPC7', 'HIPAA.Security-VPCFlowLogsEnabled', 'NIST.800.53.R5-VPCFlowLogsEnabled', 'PCI.DSS.321-VPCFlowLogsEnabled']) {
    Validations.of(vpc).acknowledge({ id, reason: 'the test VPC is the user\'s, not the library\'s: flow logs and the default security group are its concern' });
  }
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-matrix-'));
const app = new App({ outdir });
Object.entries(configurations).forEach(([name, build], i) => {
  // A registry is one per account and region: each configuration gets an account of its own.
  const stack = new Stack(app, `Compliance-${name}`, { env: { account: String(300000000000 + i), region: ENV.region } });
  build(stack);
  acknowledgeVpc(stack);
});
app.synth();
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test(`the ${Object.keys(configurations).length} configurations have no unacknowledged cdk-nag findings (five packs)`, () => {
  expect(nagFindings(app)).toEqual([]);
});

/** Resources that would mean a Lambda-backed custom resource (DESIGN.md invariant 6). */
const CUSTOM_RESOURCE_TYPES = /^(Custom::|AWS::CloudFormation::CustomResource$|AWS::Lambda::Function$|AWS::Lambda::Permission$)/;

test('no configuration has a Lambda-backed custom resource (or any Lambda function)', () => {
  const types = fs.readdirSync(outdir).filter(f => f.endsWith('.template.json'))
    .flatMap(f => Object.values<any>(JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')).Resources ?? {}).map(r => String(r.Type)));
  expect(types.length).toBeGreaterThan(0);
  expect(types.filter(t => CUSTOM_RESOURCE_TYPES.test(t))).toEqual([]);
});

test('the configurations pass the AWS Control Tower proactive controls', () => {
  expect(controlTowerFindingsOfDirectory(outdir)).toEqual([]);
});

test('the checks can fail: a tag mutability exception fails CT.ECR.PR.3 and says so at synth', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-mutable-'));
  const other = new App({ outdir: dir });
  const stack = new Stack(other, 'Mutable', { env: ENV });
  new SecureRepository(stack, 'Repo', { mutableTags: ['latest'] });
  other.synth();
  expect(controlTowerFindingsOfDirectory(dir)).toEqual([
    expect.objectContaining({ control: 'CT.ECR.PR.3', rule: 'ecr_private_tag_immutability_enabled_check', resource: expect.stringMatching(/^Repo/) }),
  ]);
  const warnings = other.synth().getStackByName('Mutable').messages.filter(m => m.level === 'warning').map(m => String(m.entry.data));
  expect(warnings).toContainEqual(expect.stringContaining('tag mutability IMMUTABLE_WITH_EXCLUSION (mutable: latest) fails the AWS Control Tower control CT.ECR.PR.3'));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the checks can fail: a key without the grant statement fails CT.KMS.PR.3, an ECR1 without the organization bound is reported', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-key-'));
  const other = new App({ outdir: dir });
  const stack = new Stack(other, 'Key', { env: ENV });
  new kms.Key(stack, 'Plain', { enableKeyRotation: true });
  const raw = new ecr.CfnRepository(stack, 'Raw', {
    repositoryPolicyText: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } } }] },
  });
  other.synth();
  expect(controlTowerFindingsOfDirectory(dir).map(f => f.control)).toContain('CT.KMS.PR.3');
  expect(nagFindings(other).filter(f => f.rule === 'AwsSolutions-ECR1').map(f => f.resource)).toEqual([raw.node.path]);
  fs.rmSync(dir, { recursive: true, force: true });
});
