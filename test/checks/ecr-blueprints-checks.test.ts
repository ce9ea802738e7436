/**
 * EcrBlueprintsChecks on plain aws-cdk-lib apps (no construct of the library): a clean app passes,
 * each defect fails synth (or warns) with its rule, tokens never give a false error, and
 * acknowledgements work and need a reason.
 */
import { App, CfnParameter, Duration, Fn, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ofRule, runChecks, ruleIds, withoutTemplateValidator } from './helpers';
import { EcrBlueprintsChecks, LifecyclePolicy } from '../../src';
import { APP_ANALYSES } from '../../src/checks/analyses';
import type { SynthesizedStack } from '../../src/checks/finding';

withoutTemplateValidator();

const ENV = { account: '123456789012', region: 'us-east-1' };

const UNTAGGED_AFTER_14_DAYS = JSON.stringify({
  rules: [{
    rulePriority: 1,
    description: 'expire untagged images after 14 days',
    selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
    action: { type: 'expire' },
  }],
});

/** A repository as a careful engineer writes it with aws-cdk-lib alone: nothing for the checks to say. */
function cleanRepository(stack: Stack, id: string, props: Partial<ecr.RepositoryProps> = {}): ecr.Repository {
  return new ecr.Repository(stack, id, {
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    imageScanOnPush: true,
    encryption: ecr.RepositoryEncryption.KMS,
    encryptionKey: new kms.Key(stack, `${id}Key`, { enableKeyRotation: true }),
    lifecycleRules: [
      // The deployed tag is kept: a rule that selects exactly it and never fires, ahead of the rest (ECRB-DEPLOYED-IMAGE-EXPIRES).
      { rulePriority: 1, tagStatus: ecr.TagStatus.TAGGED, tagPatternList: ['v1.4.2'], maxImageCount: 1, description: 'keep the deployed v1.4.2' },
      { tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(14), description: 'expire untagged images after 14 days' },
      { tagStatus: ecr.TagStatus.ANY, maxImageCount: 100, description: 'keep the newest 100 images' },
    ],
    ...props,
  });
}

interface ContainerOverrides {
  readonly image?: ecs.ContainerImage;
  readonly user?: string;
  readonly readonlyRootFilesystem?: boolean;
  readonly memoryLimitMiB?: number;
}

function cleanTask(stack: Stack, repository: ecr.IRepository, task: Partial<ecs.FargateTaskDefinitionProps> = {},
  container: ContainerOverrides = {}): ecs.FargateTaskDefinition {
  const definition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 512, ...task });
  definition.addContainer('app', {
    image: container.image ?? ecs.ContainerImage.fromEcrRepository(repository, 'v1.4.2'),
    user: container.user ?? '1000:1000',
    readonlyRootFilesystem: container.readonlyRootFilesystem ?? true,
    memoryLimitMiB: container.memoryLimitMiB,
  });
  return definition;
}

/** The clean app, with `defect` applied to its stack. */
function app(defect: (stack: Stack, repository: ecr.Repository) => void = () => {}, stackEnv: { account: string; region: string } = ENV) {
  return runChecks((a: App) => {
    const stack = new Stack(a, 'Service', { env: stackEnv });
    const repository = cleanRepository(stack, 'Api');
    defect(stack, repository);
    if (!stack.node.tryFindChild('Task')) cleanTask(stack, repository);
  });
}

test('a clean plain aws-cdk-lib app passes with no finding at all', () => {
  const result = app();
  expect(result.failed).toBe(false);
  expect(result.violations).toEqual([]);
});

test('the plugin names itself and lists its rule ids', () => {
  const plugin = new EcrBlueprintsChecks();
  expect(plugin.name).toBe('EcrBlueprintsChecks');
  expect(plugin.ruleIds).toEqual(expect.arrayContaining(['ECRB-REPO-NAME', 'ECRB-ECS-LATEST', 'ECRB-LIFECYCLE-POLICY', 'ECRB-ACK-REASON']));
  expect(new Set(plugin.ruleIds).size).toBe(plugin.ruleIds!.length);
});

describe('AWS::ECR::Repository', () => {
  test('ECRB-REPO-NAME: a name ECR refuses fails synth, naming the construct path, property and value', () => {
    const result = app(stack => {
      new ecr.CfnRepository(stack, 'Short', {
        repositoryName: 'a',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        lifecyclePolicy: { lifecyclePolicyText: UNTAGGED_AFTER_14_DAYS },
      });
    });
    expect(result.failed).toBe(true);
    expect(ruleIds(result, 'error')).toEqual(['ECRB-REPO-NAME']);
    const [v] = ofRule(result, 'ECRB-REPO-NAME');
    expect(v.description).toContain('Service/Short: invalid RepositoryName "a": must be 2-256 characters long (got 1)');
    expect(v.violatingConstructs[0].constructPath).toBe('Service/Short');
    expect(v.violatingConstructs[0].cloudFormationResource?.propertyPaths).toEqual(['Properties.RepositoryName']);
    expect(v.ruleMetadata?.source).toContain('CreateRepository');
    expect(v.suggestedFix).toContain('rename');
  });

  test('ECRB-REPO-TAG-MUTABILITY: exclusion filters with plain IMMUTABLE fail synth', () => {
    const result = app((_stack, repository) => {
      (repository.node.defaultChild as ecr.CfnRepository).imageTagMutabilityExclusionFilters = [
        { imageTagMutabilityExclusionFilterType: 'WILDCARD', imageTagMutabilityExclusionFilterValue: 'dev-*' },
      ];
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-REPO-TAG-MUTABILITY']);
    expect(ofRule(result, 'ECRB-REPO-TAG-MUTABILITY')[0].description).toContain('exclusion filters only apply with IMMUTABLE_WITH_EXCLUSION');
  });

  test('ECRB-REPO-TAG-MUTABILITY boundary: IMMUTABLE_WITH_EXCLUSION with one filter passes', () => {
    const result = app((_stack, repository) => {
      const cfn = repository.node.defaultChild as ecr.CfnRepository;
      cfn.imageTagMutability = 'IMMUTABLE_WITH_EXCLUSION';
      cfn.imageTagMutabilityExclusionFilters = [{ imageTagMutabilityExclusionFilterType: 'WILDCARD', imageTagMutabilityExclusionFilterValue: 'dev-*' }];
    });
    expect(result.violations).toEqual([]);
  });

  test('ECRB-REPO-ENCRYPTION: a KMS key of another region fails synth', () => {
    const result = app((stack, repository) => {
      const foreign = kms.Key.fromKeyArn(stack, 'Foreign', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
      (repository.node.defaultChild as ecr.CfnRepository).encryptionConfiguration = { encryptionType: 'KMS', kmsKey: foreign.keyArn };
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-REPO-ENCRYPTION']);
    expect(ofRule(result, 'ECRB-REPO-ENCRYPTION')[0].description).toContain('ECR needs the key in the repository\'s region (us-east-1), it is in eu-west-1');
  });

  test('ECRB-REPO-MUTABLE-TAGS, ECRB-REPO-NO-SCAN, ECRB-REPO-NO-LIFECYCLE: aws-cdk-lib\'s defaults warn, synth goes on', () => {
    const result = app(stack => {
      new ecr.Repository(stack, 'Defaults');
    });
    expect(result.failed).toBe(false);
    expect(ruleIds(result)).toEqual(['ECRB-REPO-MUTABLE-TAGS', 'ECRB-REPO-NO-LIFECYCLE', 'ECRB-REPO-NO-SCAN']);
    expect(result.violations.every(v => v.severity === 'warning' && v.violatingConstructs[0].constructPath === 'Service/Defaults/Resource')).toBe(true);
  });

  test('ECRB-REPO-NO-SCAN boundary: a registry scanning configuration in the stack\'s environment covers the repository', () => {
    const result = app(stack => {
      new ecr.Repository(stack, 'NoScan', {
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        lifecycleRules: [{ tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(14) }],
      });
      new ecr.CfnRegistryScanningConfiguration(stack, 'Scanning', {
        scanType: 'BASIC',
        rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
      });
    });
    expect(ofRule(result, 'ECRB-REPO-NO-SCAN')).toEqual([]);
  });

  test('ECRB-LIFECYCLE-POLICY: the policy text is checked exactly as LifecyclePolicy.fromJson checks it (same rule id, same words)', () => {
    const text = JSON.stringify({
      rules: [
        { rulePriority: 1, description: 'keep everything', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 500 }, action: { type: 'expire' } },
        { rulePriority: 2, description: 'expire untagged', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } },
      ],
    });
    // What LifecyclePolicy.fromJson says about the same text: the same rule, in the same words.
    let refusal: any;
    try {
      LifecyclePolicy.fromJson(text);
    } catch (e) {
      refusal = e;
    }
    expect(refusal?.rule).toContain('the tagStatus any rule "keep everything" must have a higher priority number');
    const result = app((_stack, repository) => {
      (repository.node.defaultChild as ecr.CfnRepository).lifecyclePolicy = { lifecyclePolicyText: text };
    });
    expect(ruleIds(result, 'error')).toEqual([refusal.ruleId]);
    expect(refusal.ruleId).toBe('ECRB-LIFECYCLE-POLICY');
    const [v] = ofRule(result, 'ECRB-LIFECYCLE-POLICY');
    expect(v.description).toContain(`Service/Api/Resource: invalid LifecyclePolicy.LifecyclePolicyText priority 1: ${refusal.rule}`);
    expect(v.violatingConstructs[0].cloudFormationResource?.propertyPaths).toEqual(['Properties.LifecyclePolicy.LifecyclePolicyText']);
  });

  test('ECRB-REPO-POLICY: a * principal without an organization condition fails synth', () => {
    const result = app((_stack, repository) => {
      repository.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'], principals: [new iam.AnyPrincipal()] }));
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-REPO-POLICY']);
    expect(ofRule(result, 'ECRB-REPO-POLICY')[0].description).toContain(
      'invalid RepositoryPolicyText principal {"AWS":"*"}: anyone (no condition names an organization or account) could pull');
  });

  test('ECRB-REPO-POLICY boundary: a * principal bounded by aws:PrincipalOrgID passes', () => {
    const result = app((_stack, repository) => {
      repository.addToResourcePolicy(new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage'],
        principals: [new iam.AnyPrincipal()],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }));
    });
    expect(result.violations).toEqual([]);
  });
});

describe('registry resources', () => {
  test('ECRB-REGISTRY-SCANNING: continuous scanning with BASIC fails synth', () => {
    const result = app(stack => {
      new ecr.CfnRegistryScanningConfiguration(stack, 'Scanning', {
        scanType: 'BASIC',
        rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
      });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-REGISTRY-SCANNING']);
    expect(ofRule(result, 'ECRB-REGISTRY-SCANNING')[0].description).toContain('continuous scanning needs ENHANCED scanning');
  });

  test('ECRB-REPLICATION: replicating to the source registry itself fails synth', () => {
    const result = app(stack => {
      new ecr.CfnReplicationConfiguration(stack, 'Replication', {
        replicationConfiguration: { rules: [{ destinations: [{ region: 'us-east-1', registryId: '123456789012' }] }] },
      });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-REPLICATION']);
    expect(ofRule(result, 'ECRB-REPLICATION')[0].description).toContain('the destination is the source registry itself');
  });

  test('ECRB-REGION-NAME: a near miss of a region name fails synth; a real one passes', () => {
    const replicate = (region: string) => app(stack => {
      new ecr.CfnReplicationConfiguration(stack, 'Replication', {
        replicationConfiguration: { rules: [{ destinations: [{ region, registryId: '123456789012' }] }] },
      });
    });
    const bad = replicate('eu-wset-1');
    expect(ruleIds(bad, 'error')).toEqual(['ECRB-REGION-NAME']);
    expect(ofRule(bad, 'ECRB-REGION-NAME')[0].description).toContain('did you mean "eu-west-1"?');
    expect(replicate('eu-west-1').violations).toEqual([]);
  });

  test('ECRB-REGION-UNLISTED: a well-formed region far from every known one warns, synth goes on', () => {
    const result = app(stack => {
      new ecr.CfnReplicationConfiguration(stack, 'Replication', {
        replicationConfiguration: { rules: [{ destinations: [{ region: 'zz-north-7', registryId: '123456789012' }] }] },
      });
    });
    expect(result.failed).toBe(false);
    expect(ruleIds(result)).toEqual(['ECRB-REGION-UNLISTED']);
  });

  test('ECRB-PULL-THROUGH-CACHE: a one-character prefix and a credential secret ECR cannot read fail synth', () => {
    const result = app(stack => {
      const secret = new secretsmanager.Secret(stack, 'DockerHub', { secretName: 'dockerhub-credentials' });
      new ecr.CfnPullThroughCacheRule(stack, 'Cache', {
        ecrRepositoryPrefix: 'd',
        upstreamRegistryUrl: 'registry-1.docker.io',
        upstreamRegistry: 'docker-hub',
        credentialArn: secret.secretArn,
      });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-PULL-THROUGH-CACHE']);
    const descriptions = ofRule(result, 'ECRB-PULL-THROUGH-CACHE').map(v => v.description);
    expect(descriptions).toEqual([
      expect.stringContaining('invalid EcrRepositoryPrefix "d": must be 2-30 characters long'),
      expect.stringContaining('invalid CredentialArn secret name "dockerhub-credentials"'),
    ]);
  });

  test('ECRB-PARTITION-RESOURCE: a pull-through cache rule in a China region fails synth', () => {
    const result = app(stack => {
      new ecr.CfnPullThroughCacheRule(stack, 'Cache', { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' });
    }, { account: '123456789012', region: 'cn-north-1' });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-PARTITION-RESOURCE']);
  });

  test('ECRB-CREATION-TEMPLATE: a key of another region and a repeated scenario fail synth', () => {
    const result = app(stack => {
      new ecr.CfnRepositoryCreationTemplate(stack, 'Template', {
        prefix: 'team-a',
        appliedFor: ['REPLICATION', 'REPLICATION'],
        imageTagMutability: 'IMMUTABLE',
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
        customRoleArn: 'arn:aws:iam::123456789012:role/template',
      });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-CREATION-TEMPLATE']);
    const descriptions = ofRule(result, 'ECRB-CREATION-TEMPLATE').map(v => v.description);
    expect(descriptions).toEqual([
      expect.stringContaining('entries must be unique ("REPLICATION" appears more than once)'),
      expect.stringContaining('the key must be in the registry\'s region (us-east-1), it is in eu-west-1'),
    ]);
  });

  test('ECRB-CREATION-TEMPLATE: the template\'s lifecycle policy text is read as LifecyclePolicy.fromJson reads it', () => {
    const result = app(stack => {
      new ecr.CfnRepositoryCreationTemplate(stack, 'Template', {
        prefix: 'team-a',
        appliedFor: ['REPLICATION'],
        lifecyclePolicy: JSON.stringify({ rules: [{ rulePriority: 0, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }] }),
      });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-LIFECYCLE-TEXT']);
    expect(ofRule(result, 'ECRB-LIFECYCLE-TEXT')[0].violatingConstructs[0].constructPath).toBe('Service/Template');
  });
});

describe('AWS::ECR::RegistryPolicy', () => {
  const policy = (statement: Record<string, unknown>) => app(stack => {
    new ecr.CfnRegistryPolicy(stack, 'RegistryPolicy', { policyText: { Version: '2012-10-17', Statement: [statement] } });
  });

  test('ECRB-REGISTRY-POLICY: a * principal without an organization condition and a non-ECR action fail synth', () => {
    const result = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: ['ecr:ReplicateImage', 's3:GetObject'],
      Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/*',
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-REGISTRY-POLICY']);
    expect(ofRule(result, 'ECRB-REGISTRY-POLICY').map(v => v.description)).toEqual([
      expect.stringContaining('Service/RegistryPolicy: invalid registry policy principal "*": anyone (no condition names an organization or account) ' +
        'could replicate into the repositories of the registry Service/RegistryPolicy;'),
      expect.stringContaining('invalid registry policy action "s3:GetObject": registry policies only take ecr: actions'),
    ]);
  });

  test('ECRB-REGISTRY-POLICY: a repository of another region fails synth; one of the registry passes', () => {
    const statement = (resource: string) => ({
      Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'], Resource: resource,
    });
    const foreign = policy(statement('arn:aws:ecr:eu-west-1:123456789012:repository/*'));
    expect(ruleIds(foreign, 'error')).toEqual(['ECRB-REGISTRY-POLICY']);
    expect(policy(statement('arn:aws:ecr:us-east-1:123456789012:repository/*')).violations).toEqual([]);
  });
});

describe('AWS::ECS::TaskDefinition', () => {
  test('ECRB-ECS-LATEST: an image tagged latest fails synth', () => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, {}, { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:latest') });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-LATEST']);
    const [v] = ofRule(result, 'ECRB-ECS-LATEST');
    expect(v.description).toContain('Service/Task/Resource: container 0: invalid tag "latest"');
    expect(v.violatingConstructs[0].cloudFormationResource?.propertyPaths).toEqual(['Properties.ContainerDefinitions[0].Image']);
  });

  test('ECRB-ECS-NO-TAG: an image without a tag fails synth', () => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, {}, { image: ecs.ContainerImage.fromRegistry('nginx') });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-NO-TAG']);
    expect(ofRule(result, 'ECRB-ECS-NO-TAG')[0].description).toContain('the image has no tag, so it is pulled as latest');
  });

  test('ECRB-ECS-MUTABLE-TAG: a tag of a MUTABLE repository of the app fails synth (aws-cdk-lib\'s own ContainerImage path)', () => {
    const result = app(stack => {
      const mutable = cleanRepository(stack, 'Mutable', { imageTagMutability: ecr.TagMutability.MUTABLE });
      cleanTask(stack, mutable);
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-MUTABLE-TAG']);
    expect(ofRule(result, 'ECRB-ECS-MUTABLE-TAG')[0].description).toContain('(repository Service/Mutable/Resource): invalid tag "v1.4.2": the repository lets this tag move');
  });

  test('ECRB-ECS-MUTABLE-TAG: a repository referred to by its literal URI is recognised', () => {
    const result = app(stack => {
      cleanRepository(stack, 'Named', { repositoryName: 'team-a/api', imageTagMutability: ecr.TagMutability.MUTABLE });
      cleanTask(stack, ecr.Repository.fromRepositoryName(stack, 'Imported', 'x'), {},
        { image: ecs.ContainerImage.fromRegistry('123456789012.dkr.ecr.us-east-1.amazonaws.com/team-a/api:v1.4.2') });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-MUTABLE-TAG']);
  });

  test('ECRB-ECS-MUTABLE-TAG: a repository of another stack imported by name is recognised', () => {
    const result = runChecks((a: App) => {
      const platform = new Stack(a, 'Platform', { env: ENV });
      cleanRepository(platform, 'Api', { repositoryName: 'team-a/api', imageTagMutability: ecr.TagMutability.MUTABLE });
      const service = new Stack(a, 'Service', { env: ENV });
      cleanTask(service, ecr.Repository.fromRepositoryName(service, 'Api', 'team-a/api'));
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-MUTABLE-TAG']);
    expect(ofRule(result, 'ECRB-ECS-MUTABLE-TAG')[0].description).toContain('(repository Platform/Api/Resource)');
  });

  test('ECRB-ECS-MUTABLE-TAG boundary: a repository of the same name in another region is another repository', () => {
    const result = runChecks((a: App) => {
      const platform = new Stack(a, 'Platform', { env: { account: ENV.account, region: 'eu-west-1' } });
      cleanRepository(platform, 'Api', { repositoryName: 'team-a/api', imageTagMutability: ecr.TagMutability.MUTABLE });
      const service = new Stack(a, 'Service', { env: ENV });
      cleanTask(service, ecr.Repository.fromRepositoryName(service, 'Api', 'team-a/api'));
    });
    expect(ruleIds(result, 'error')).toEqual([]);
  });

  test('ECRB-ECS-MUTABLE-TAG boundary: a tag a MUTABLE_WITH_EXCLUSION filter makes immutable passes', () => {
    const result = app(stack => {
      const repository = cleanRepository(stack, 'Mixed', { imageTagMutability: ecr.TagMutability.MUTABLE });
      const cfn = repository.node.defaultChild as ecr.CfnRepository;
      cfn.imageTagMutability = 'MUTABLE_WITH_EXCLUSION';
      cfn.imageTagMutabilityExclusionFilters = [{ imageTagMutabilityExclusionFilterType: 'WILDCARD', imageTagMutabilityExclusionFilterValue: 'v*' }];
      cleanTask(stack, repository);
    });
    expect(ruleIds(result, 'error')).toEqual([]);
  });

  test('ECRB-IMAGE-LATEST: latest from an immutable repository warns', () => {
    const result = runChecks((a: App) => {
      const stack = new Stack(a, 'Service', { env: ENV });
      // The deployed latest is kept by the first rule, so only the latest warning remains.
      const repository = cleanRepository(stack, 'Api', {
        lifecycleRules: [
          { rulePriority: 1, tagStatus: ecr.TagStatus.TAGGED, tagPatternList: ['latest'], maxImageCount: 1, description: 'keep the deployed latest' },
          { tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(14), description: 'expire untagged images after 14 days' },
        ],
      });
      cleanTask(stack, repository, {}, { image: ecs.ContainerImage.fromEcrRepository(repository, 'latest') });
    });
    expect(result.failed).toBe(false);
    expect(ruleIds(result)).toEqual(['ECRB-IMAGE-LATEST']);
  });

  test('ECRB-IMAGE-TAG: a tag Docker refuses fails synth', () => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, {}, { image: ecs.ContainerImage.fromRegistry('nginx:-1.27') });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-IMAGE-TAG']);
  });

  test('a task definition made by ecs_patterns is checked like any other', () => {
    const result = app(stack => {
      new ecsPatterns.ApplicationLoadBalancedFargateService(stack, 'Web', {
        taskImageOptions: { image: ecs.ContainerImage.fromRegistry('amazon/amazon-ecs-sample') },
        vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }),
      });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-NO-TAG']);
    expect(ofRule(result, 'ECRB-ECS-NO-TAG')[0].violatingConstructs[0].constructPath).toBe('Service/Web/TaskDef/Resource');
  });

  test('an image pinned by digest passes', () => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, {}, { image: ecs.ContainerImage.fromRegistry(`nginx@sha256:${'a'.repeat(64)}`) });
    });
    expect(result.violations).toEqual([]);
  });

  test('ECRB-FARGATE-TASK-SIZE: a cpu/memory pair Fargate refuses fails synth', () => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, { cpu: 256, memoryLimitMiB: 4096 });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-FARGATE-TASK-SIZE']);
    expect(ofRule(result, 'ECRB-FARGATE-TASK-SIZE')[0].description).toContain('invalid Memory 4096: with cpu 256 Fargate accepts memoryLimitMiB 512, 1024, 2048');
  });

  test('ECRB-CONTAINER-MEMORY: a container with more memory than its task fails synth; equal passes', () => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, { cpu: 512, memoryLimitMiB: 1024 }, { memoryLimitMiB: 2048 });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-CONTAINER-MEMORY']);
    const boundary = app((stack, repository) => {
      cleanTask(stack, repository, { cpu: 512, memoryLimitMiB: 1024 }, { memoryLimitMiB: 1024 });
    });
    expect(boundary.violations).toEqual([]);
  });

  test.each(['root', '0', '1000:0', 'ROOT:staff'])('ECRB-ECS-ROOT-USER: user %s fails synth', (user) => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, {}, { user });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-ROOT-USER']);
    expect(ofRule(result, 'ECRB-ECS-ROOT-USER')[0].description).toContain('the container would run as root');
  });

  test('ECRB-ECS-READONLY-ROOT: a writable root filesystem warns, synth goes on', () => {
    const result = app((stack, repository) => {
      cleanTask(stack, repository, {}, { readonlyRootFilesystem: false });
    });
    expect(result.failed).toBe(false);
    expect(ruleIds(result)).toEqual(['ECRB-ECS-READONLY-ROOT']);
    expect(ofRule(result, 'ECRB-ECS-READONLY-ROOT')[0].severity).toBe('warning');
  });
});

describe('tokens', () => {
  test('intrinsics where rules need values never give an error: each is one ECRB-UNRESOLVED warning', () => {
    const result = app((stack, repository) => {
      const name = new CfnParameter(stack, 'RepositoryName');
      const tag = new CfnParameter(stack, 'Tag');
      const cpu = new CfnParameter(stack, 'Cpu', { type: 'Number' });
      const mode = new CfnParameter(stack, 'Mode');
      const cfn = new ecr.CfnRepository(stack, 'Tokens', {
        repositoryName: name.valueAsString,
        imageTagMutability: mode.valueAsString,
        imageScanningConfiguration: { scanOnPush: true },
        lifecyclePolicy: { lifecyclePolicyText: Fn.join('', ['{"rules":', name.valueAsString, ']}']) },
      });
      void cfn;
      const definition = new ecs.CfnTaskDefinition(stack, 'Task', {
        requiresCompatibilities: ['FARGATE'],
        cpu: cpu.valueAsString,
        memory: '512',
        networkMode: 'awsvpc',
        containerDefinitions: [{
          name: 'app',
          image: repository.repositoryUriForTag(tag.valueAsString),
          user: '1000:1000',
          readonlyRootFilesystem: true,
        }],
      });
      void definition;
    });
    expect(result.failed).toBe(false);
    expect(ruleIds(result, 'error')).toEqual([]);
    const unresolved = ofRule(result, 'ECRB-UNRESOLVED').map(v => v.ruleMetadata?.property).sort();
    expect(unresolved).toEqual(['ContainerDefinitions[0].Image', 'Cpu', 'ImageTagMutability', 'LifecyclePolicy.LifecyclePolicyText', 'RepositoryName']);
  });
});

test('policies whose principals and resources are intrinsics are not refused', () => {
  const result = app((stack, repository) => {
    const role = new iam.Role(stack, 'Puller', { assumedBy: new iam.AccountRootPrincipal() });
    repository.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'], principals: [role] }));
    new ecr.CfnRegistryPolicy(stack, 'RegistryPolicy', {
      policyText: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { AWS: Fn.join('', ['arn:', Stack.of(stack).partition, ':iam::210987654321:root']) },
          Action: ['ecr:ReplicateImage'],
          Resource: Fn.join('', ['arn:', Stack.of(stack).partition, ':ecr:us-east-1:123456789012:repository/*']),
        }],
      },
    });
  });
  expect(result.violations).toEqual([]);
});

describe('acknowledgements', () => {
  const defect = (stack: Stack, repository: ecr.Repository) => {
    cleanTask(stack, repository, {}, { readonlyRootFilesystem: false, user: 'root' });
  };

  test('an acknowledgement by rule id on the construct (or a parent) with a reason suppresses that finding only', () => {
    const result = app((stack, repository) => {
      defect(stack, repository);
      Validations.of(stack.node.findChild('Task')).acknowledge({
        id: 'EcrBlueprintsChecks::ECRB-ECS-ROOT-USER', reason: 'the vendor image binds port 80 and cannot run unprivileged',
      });
    });
    expect(result.failed).toBe(false);
    expect(ruleIds(result)).toEqual(['ECRB-ECS-READONLY-ROOT']);
  });

  test('an acknowledgement elsewhere in the app does not suppress the finding', () => {
    const result = app((stack, repository) => {
      defect(stack, repository);
      Validations.of(repository).acknowledge({ id: 'EcrBlueprintsChecks::ECRB-ECS-ROOT-USER', reason: 'not this resource' });
    });
    expect(result.failed).toBe(true);
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-ROOT-USER']);
  });

  test('an acknowledgement without a reason fails synth with ECRB-ACK-REASON', () => {
    const result = app((stack, repository) => {
      defect(stack, repository);
      Validations.of(stack.node.findChild('Task')).acknowledge({ id: 'EcrBlueprintsChecks::ECRB-ECS-ROOT-USER', reason: ' ' });
    });
    expect(result.failed).toBe(true);
    const [v] = ofRule(result, 'ECRB-ACK-REASON');
    expect(v.severity).toBe('fatal');
    expect(v.description).toContain('Service/Task: invalid acknowledgement of ECRB-ECS-ROOT-USER " ": an acknowledgement needs a reason');
  });

  test('EcrBlueprintsChecks.acknowledge namespaces the id and refuses an empty reason', () => {
    const result = app((stack, repository) => {
      defect(stack, repository);
      EcrBlueprintsChecks.acknowledge(stack.node.findChild('Task'), 'ECRB-ECS-ROOT-USER', 'vendor image needs root');
      EcrBlueprintsChecks.acknowledge(stack.node.findChild('Task'), 'ECRB-ECS-READONLY-ROOT', 'vendor image writes to /var/cache');
    });
    expect(result.violations).toEqual([]);
    const stack = new Stack(new App(), 'S');
    expect(() => EcrBlueprintsChecks.acknowledge(stack, 'ECRB-ECS-ROOT-USER', '')).toThrow(/S: invalid reason "": an acknowledgement of ECRB-ECS-ROOT-USER needs a reason/);
    expect(() => EcrBlueprintsChecks.acknowledge(stack, 'AwsSolutions-ECR1', 'x')).toThrow(/invalid ruleId "AwsSolutions-ECR1"/);
  });
});

describe('the stack model', () => {
  test('stacks inside a Stage are checked, with their construct paths', () => {
    const result = runChecks((a: App) => {
      const stage = new Stage(a, 'Prod', { env: ENV });
      const stack = new Stack(stage, 'Service');
      cleanTask(stack, cleanRepository(stack, 'Api'), {}, { user: '0' });
    });
    expect(ruleIds(result, 'error')).toEqual(['ECRB-ECS-ROOT-USER']);
    expect(ofRule(result, 'ECRB-ECS-ROOT-USER')[0].description).toContain('Prod/Service/Task/Resource: container 0 (app): invalid user "0"');
  });

  test('construct paths come from aws:cdk:path metadata when the template has it (as with the CDK CLI)', () => {
    const result = runChecks((a: App) => {
      const stack = new Stack(a, 'Service', { env: ENV });
      cleanTask(stack, cleanRepository(stack, 'Api'), {}, { user: 'root' });
    }, { context: { 'aws:cdk:enable-path-metadata': true } });
    expect(ofRule(result, 'ECRB-ECS-ROOT-USER')[0].ruleMetadata?.constructPath).toBe('Service/Task/Resource');
  });
});

describe('app-wide analyses', () => {
  test('an analysis registered in APP_ANALYSES runs over every stack and its findings are reported', () => {
    const seen: string[] = [];
    const analysis = (stacks: readonly SynthesizedStack[]) => {
      seen.push(...stacks.map(s => `${s.constructPath}@${s.region}`));
      const task = Object.entries<any>(stacks[1].template.Resources).find(([, r]) => r.Type === 'AWS::ECS::TaskDefinition')!;
      return [{
        ruleId: 'ECRB-FIXTURE-ANALYSIS',
        severity: 'error' as const,
        stack: stacks[1].constructPath,
        templatePath: stacks[1].templatePath,
        logicalId: task[0],
        property: 'ContainerDefinitions[0].Image',
        message: 'fixture: the deployed tag can expire',
      }];
    };
    APP_ANALYSES.push(analysis);
    try {
      const result = runChecks((a: App) => {
        const platform = new Stack(a, 'Platform', { env: ENV });
        const repository = cleanRepository(platform, 'Api', { repositoryName: 'team-a/api' });
        const service = new Stack(a, 'Service', { env: ENV });
        cleanTask(service, ecr.Repository.fromRepositoryName(service, 'Api', repository.repositoryName));
      });
      expect(seen).toEqual(['Platform@us-east-1', 'Service@us-east-1']);
      expect(ruleIds(result, 'error')).toEqual(['ECRB-FIXTURE-ANALYSIS']);
      expect(ofRule(result, 'ECRB-FIXTURE-ANALYSIS')[0].violatingConstructs[0].constructPath).toBe('Service/Task/Resource');
    } finally {
      APP_ANALYSES.splice(APP_ANALYSES.indexOf(analysis), 1);
    }
  });
});
