import { App, CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { managedPolicyStatements, stack } from './helpers';
import { nagFindings } from '../../scripts/compliance';
import { ImageReference, SecureRepository, TaggedImageTaskDefinition, TaggedImageTaskDefinitionProps } from '../../src';

const PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

function taskIn(s: Stack, props: Partial<TaggedImageTaskDefinitionProps> = {}): TaggedImageTaskDefinition {
  const repo = new SecureRepository(s, 'Repo', { repositoryName: 'team/api' });
  return new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1' }), ...props });
}

function container(template: Template): any {
  const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  expect(task.Properties.ContainerDefinitions).toHaveLength(1);
  return task.Properties.ContainerDefinitions[0];
}

describe('TaggedImageTaskDefinition defaults', () => {
  test('256 cpu, 512 MiB, ARM64 Linux, awsvpc, Fargate', () => {
    const s = stack();
    taskIn(s);
    Template.fromStack(s).hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  test('one essential container: read-only root filesystem, non-root user, awslogs, no environment', () => {
    const s = stack();
    const task = taskIn(s);
    const c = container(Template.fromStack(s));
    expect(c).toEqual({
      Name: 'app',
      Essential: true,
      Image: s.resolve(task.imageUri),
      // A container-level hard limit, as AWS Control Tower CT.ECS.PR.7 requires: the task's memory.
      Memory: 512,
      ReadonlyRootFilesystem: true,
      User: '1000:1000',
      LogConfiguration: {
        LogDriver: 'awslogs',
        Options: {
          'awslogs-group': { Ref: expect.stringMatching(/^TaskLogGroup/) },
          'awslogs-stream-prefix': 'ecs',
          'awslogs-region': 'us-east-1',
        },
      },
    });
    expect(task.container.containerName).toBe('app');
    expect(task.defaultContainer).toBe(task.container);
  });

  test('containerMemoryLimitMiB sets the container hard limit; below 4 MiB is rejected', () => {
    const s = stack();
    taskIn(s, { memoryLimitMiB: 1024, containerMemoryLimitMiB: 768 });
    expect(container(Template.fromStack(s)).Memory).toBe(768);
    expect(() => taskIn(stack(), { containerMemoryLimitMiB: 3 }))
      .toThrow('Test/Task: invalid containerMemoryLimitMiB 3: must be an integer >= 4');
  });

  test('the log group has a one-year retention, the stack\'s shared rotating KMS key, and both are kept on deletion', () => {
    const s = stack();
    const task = taskIn(s);
    const t = Template.fromStack(s);
    const logGroupId = s.resolve((task.logGroup.node.defaultChild as logs.CfnLogGroup).logicalId);
    t.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SharedLogKey'), 'Arn'] } },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    t.hasResource('AWS::KMS::Key', {
      Properties: {
        Description: 'Encrypts the logs of the ECS tasks of this stack',
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([{
            Sid: 'AllowCloudWatchLogsForItsLogGroups',
            Effect: 'Allow',
            Principal: { Service: 'logs.us-east-1.amazonaws.com' },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            Resource: '*',
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': [{
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:us-east-1:111111111111:log-group:Test-${logGroupId}-*`]],
                }],
              },
            },
          }]),
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(task.logEncryptionKey?.node.path).toBe('Test/SharedLogKey');
  });

  test('the execution role has two customer-managed policies, no inline policy and no AWS-managed policy', () => {
    const s = stack();
    const task = taskIn(s);
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 2);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } }] },
      ManagedPolicyArns: [
        { Ref: s.getLogicalId(task.executionRolePolicy.node.defaultChild as iam.CfnManagedPolicy) },
        { Ref: s.getLogicalId(task.registryAuthorizationPolicy.node.defaultChild as iam.CfnManagedPolicy) },
      ],
      Policies: Match.absent(),
    });
    expect(task.obtainExecutionRole()).toBe(task.executionRole);
    expect(task.executionRole).not.toBe(task.taskRole);
  });

  test('execution role statements: the pull on the repository ARN and the log stream on the log group, nothing else', () => {
    const s = stack();
    taskIn(s);
    const t = Template.fromStack(s);
    expect(managedPolicyStatements(t, 'TaskExecutionRolePolicy')).toEqual([
      { Action: PULL, Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] } },
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TaskLogGroup/), 'Arn'] } },
    ]);
    expect(managedPolicyStatements(t, 'RegistryAuthorizationPolicy')).toEqual([
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
    ]);
  });

  test('the task role is separate and has no permissions', () => {
    const s = stack();
    const task = taskIn(s);
    const t = Template.fromStack(s);
    const roleId = s.getLogicalId(task.taskRole.node.defaultChild as iam.CfnRole);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { TaskRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    const role = t.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  test('ecs.FargateService takes it', () => {
    const s = stack();
    const task = taskIn(s);
    const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new ecs.FargateService(s, 'Service', { cluster: new ecs.Cluster(s, 'Cluster', { vpc }), taskDefinition: task });
    Template.fromStack(s).hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', TaskDefinition: { Ref: Match.stringLikeRegexp('^Task') } });
  });
});

describe('TaggedImageTaskDefinition options', () => {
  test('size, architecture, family, name, command, ports, health check, ephemeral storage', () => {
    const s = stack();
    taskIn(s, {
      cpu: 1024,
      memoryLimitMiB: 4096,
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
      family: 'team-api',
      containerName: 'api',
      command: ['serve', '--port', '8080'],
      portMappings: [{ containerPort: 8080 }],
      healthCheck: { command: ['CMD', '/bin/health'] },
      ephemeralStorageGiB: 40,
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '4096',
      Family: 'team-api',
      EphemeralStorage: { SizeInGiB: 40 },
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    expect(container(t)).toMatchObject({
      Name: 'api',
      Command: ['serve', '--port', '8080'],
      PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
      HealthCheck: { Command: ['CMD', '/bin/health'] },
    });
  });

  test('writable paths become task volumes mounted read-write', () => {
    const s = stack();
    taskIn(s, { writablePaths: ['/tmp', '/var/cache/app'] });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { Volumes: [{ Name: 'writable-1' }, { Name: 'writable-2' }] });
    expect(container(t).MountPoints).toEqual([
      { ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'writable-1' },
      { ContainerPath: '/var/cache/app', ReadOnly: false, SourceVolume: 'writable-2' },
    ]);
  });

  test('a writable root filesystem and root are explicit opt-ins', () => {
    const s = stack();
    taskIn(s, { readonlyRootFilesystem: false, user: 'root', allowRootUser: true });
    expect(container(Template.fromStack(s))).toMatchObject({ ReadonlyRootFilesystem: false, User: 'root' });
  });

  test('secrets are read by the execution role, in its scoped policy', () => {
    const s = stack();
    const secret = new secretsmanager.Secret(s, 'DbPassword');
    taskIn(s, { secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret) } });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    expect(managedPolicyStatements(t, 'TaskExecutionRolePolicy')).toContainEqual({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { Ref: expect.stringMatching(/^DbPassword/) },
    });
    expect(container(t).Secrets).toEqual([{ Name: 'DB_PASSWORD', ValueFrom: { Ref: expect.stringMatching(/^DbPassword/) } }]);
  });

  test('plain environment variables are passed; names that look like secrets get a warning', () => {
    const s = stack();
    taskIn(s, { environment: { LOG_LEVEL: 'info', API_TOKEN: 'oops' } });
    expect(container(Template.fromStack(s)).Environment).toEqual([
      { Name: 'LOG_LEVEL', Value: 'info' },
      { Name: 'API_TOKEN', Value: 'oops' },
    ]);
    const warnings = Annotations.fromStack(s).findWarning('/Test/Task', Match.stringLikeRegexp('looks like a secret'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).toContain('API_TOKEN');
  });

  test('statements for the task role go to a customer-managed policy; ECS Exec to a policy of its own, acknowledged there', () => {
    const s = stack();
    const task = taskIn(s);
    task.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new ecs.FargateService(s, 'Service', { cluster: new ecs.Cluster(s, 'Cluster', { vpc }), taskDefinition: task, enableExecuteCommand: true });
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    expect(managedPolicyStatements(t, 'TaskTaskRolePolicy')).toEqual([{ Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:aws:s3:::bucket/*' }]);
    expect(managedPolicyStatements(t, 'TaskExecCommandPolicy')).toEqual([
      {
        Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
        Effect: 'Allow',
        Resource: '*',
      },
      { Action: 'logs:DescribeLogGroups', Effect: 'Allow', Resource: '*' },
      {
        Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TaskLogGroup/), 'Arn'] },
      },
    ]);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.anyValue(),
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('^TaskTaskRolePolicy') }, { Ref: Match.stringLikeRegexp('^TaskExecCommandPolicy') }],
    });
    expect(task.execCommandPolicy).toBeDefined();
    const findings = nagFindings(s.node.root as App).filter(f => f.resource.startsWith('Test/Task/'));
    expect(findings.filter(f => f.resource.includes('ExecCommandPolicy'))).toEqual([]);
  });

  test('a given task role is used as is', () => {
    const s = stack();
    const role = new iam.Role(s, 'AppRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const task = taskIn(s, { taskRole: role });
    task.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }));
    expect(task.taskRole).toBe(role);
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: Match.stringLikeRegexp('^AppRole') }] });
    expect(Object.keys(t.findResources('AWS::IAM::ManagedPolicy')).some(id => id.startsWith('TaskTaskRolePolicy'))).toBe(false);
  });

  test('a given log group is used and no key or log group is created', () => {
    const s = stack();
    const logGroup = new logs.LogGroup(s, 'Shared', { retention: logs.RetentionDays.ONE_MONTH });
    const task = taskIn(s, { logGroup });
    const t = Template.fromStack(s);
    expect(task.logGroup).toBe(logGroup);
    expect(task.logEncryptionKey).toBeUndefined();
    t.resourceCountIs('AWS::Logs::LogGroup', 1);
    expect(Object.keys(t.findResources('AWS::KMS::Key')).filter(id => id.startsWith('TaskLogKey'))).toEqual([]);
  });

  test('a given key encrypts the new log group and receives the CloudWatch Logs statement', () => {
    const s = stack();
    const key = new kms.Key(s, 'LogsKey', { enableKeyRotation: true });
    taskIn(s, { logEncryptionKey: key, logRetention: logs.RetentionDays.TWO_YEARS });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogsKey'), 'Arn'] } });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchLogsForItsLogGroups' })]) },
    });
    expect(Object.keys(t.findResources('AWS::KMS::Key')).filter(id => /^(TaskLogKey|SharedLogKey)/.test(id))).toEqual([]);
  });

  test('two task definitions can share a log key: its policy gets the CloudWatch Logs statement once', () => {
    const s = stack();
    const key = new kms.Key(s, 'LogsKey', { enableKeyRotation: true });
    const repo = new SecureRepository(s, 'Repo');
    for (const id of ['Api', 'Worker']) {
      new TaggedImageTaskDefinition(s, id, { image: ImageReference.fromRepository(repo, { tag: 'v1' }), logEncryptionKey: key });
    }
    const [keyResource] = Object.entries(Template.fromStack(s).findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith('LogsKey'));
    const statements = keyResource[1].Properties.KeyPolicy.Statement;
    expect(statements.map((st: any) => st.Sid ?? st.Action)).toEqual(['kms:*', 'AllowCloudWatchLogsForItsLogGroups']);
    expect(statements[1].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toHaveLength(2);
  });

  test('an environment-agnostic stack grants through the managed policies only (no repository policy)', () => {
    const s = new Stack();
    taskIn(s);
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::ECR::Repository', { RepositoryPolicyText: Match.absent() });
    expect(managedPolicyStatements(t, 'TaskExecutionRolePolicy')[0]).toEqual({
      Action: PULL, Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        })]),
      },
    });
  });

  test('removalPolicy DESTROY deletes the log group and its key', () => {
    const s = stack();
    taskIn(s, { removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(s);
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    t.hasResource('AWS::KMS::Key', { Properties: { Description: 'Encrypts the logs of the ECS tasks of this stack' }, DeletionPolicy: 'Delete' });
  });

  test.each([
    ['DESTROY first', [RemovalPolicy.DESTROY, RemovalPolicy.RETAIN]],
    ['RETAIN first', [RemovalPolicy.RETAIN, RemovalPolicy.DESTROY]],
  ])('the shared log key is kept when one of its task definitions keeps its log group (%s)', (_, policies) => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo', { repositoryName: 'team/api' });
    policies.forEach((removalPolicy, i) => new TaggedImageTaskDefinition(s, `Task${i}`, {
      image: ImageReference.fromRepository(repo, { tag: 'v1' }), removalPolicy,
    }));
    const t = Template.fromStack(s);
    t.hasResource('AWS::KMS::Key', { Properties: { Description: 'Encrypts the logs of the ECS tasks of this stack' }, DeletionPolicy: 'Retain' });
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('dedicatedLogKey gives the task definition a key of its own, named after it', () => {
    const s = stack();
    const task = taskIn(s, { dedicatedLogKey: true, removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(s);
    expect(task.logEncryptionKey?.node.path).toBe('Test/Task/LogKey');
    t.hasResource('AWS::KMS::Key', { Properties: { Description: 'Encrypts the logs of Test/Task', EnableKeyRotation: true }, DeletionPolicy: 'Delete' });
    expect(Object.keys(t.findResources('AWS::KMS::Key')).filter(id => id.startsWith('SharedLogKey'))).toEqual([]);
  });

  test('tokens are accepted for cpu, memory and user', () => {
    const s = stack();
    taskIn(s, {
      cpu: new CfnParameter(s, 'Cpu', { type: 'Number' }).valueAsNumber,
      memoryLimitMiB: new CfnParameter(s, 'Memory', { type: 'Number' }).valueAsNumber,
      user: new CfnParameter(s, 'User').valueAsString,
    });
    expect(container(Template.fromStack(s)).User).toEqual({ Ref: 'User' });
  });
});

describe('TaggedImageTaskDefinition validation', () => {
  const build = (props: Partial<TaggedImageTaskDefinitionProps>) => () => taskIn(stack(), props);

  test('a cpu Fargate does not offer', () => {
    expect(build({ cpu: 300 })).toThrow('Test/Task: invalid cpu 300: Fargate accepts cpu 256, 512, 1024, 2048, 4096, 8192, 16384');
  });

  test('a memory the cpu does not allow lists the values it allows', () => {
    expect(build({ cpu: 256, memoryLimitMiB: 4096 }))
      .toThrow('Test/Task: invalid memoryLimitMiB 4096: with cpu 256 Fargate accepts memoryLimitMiB 512, 1024, 2048');
    expect(build({ cpu: 512, memoryLimitMiB: 512 }))
      .toThrow('with cpu 512 Fargate accepts memoryLimitMiB 1024, 2048, 3072, 4096');
    expect(build({ cpu: 8192, memoryLimitMiB: 17408 }))
      .toThrow('with cpu 8192 Fargate accepts memoryLimitMiB 16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440');
  });

  test('the default memory does not fit a larger cpu', () => {
    expect(build({ cpu: 1024 })).toThrow('invalid memoryLimitMiB 512: with cpu 1024 Fargate accepts memoryLimitMiB 2048, 3072,');
  });

  test.each([
    [256, 512], [256, 2048], [512, 4096], [1024, 8192], [2048, 16384], [4096, 30720], [8192, 61440], [16384, 122880], [16384, 40960],
  ])('cpu %d with %d MiB is accepted', (cpu, memoryLimitMiB) => {
    expect(build({ cpu, memoryLimitMiB })).not.toThrow();
  });

  test.each(['root', '0', 'ROOT', '1000:0', 'app:root'])('the root user %s', (user) => {
    expect(build({ user })).toThrow(`Test/Task: invalid user ${JSON.stringify(user)}: the container would run as root; use a non-root user, or set allowRootUser: true`);
  });

  test.each(['a b', 'a:b:c', ':1000', ''])('a malformed user %j', (user) => {
    expect(build({ user })).toThrow(`Test/Task: invalid user ${JSON.stringify(user)}: users are written user, user:group, uid or uid:gid`);
  });

  test('a container name with a dot', () => {
    expect(build({ containerName: 'api.v1' })).toThrow('Test/Task: invalid containerName "api.v1": names are 1-255 letters, digits, - and _');
  });

  test('a family with a slash', () => {
    expect(build({ family: 'team/api' })).toThrow('Test/Task: invalid family "team/api": names are 1-255 letters, digits, - and _');
  });

  test('a relative writable path', () => {
    expect(build({ writablePaths: ['tmp'] })).toThrow('Test/Task: invalid writablePaths "tmp": writable paths are absolute container paths (they start with /)');
  });

  test('a duplicate writable path', () => {
    expect(build({ writablePaths: ['/tmp', '/tmp'] })).toThrow('Test/Task: invalid writablePaths ["/tmp","/tmp"]: entries must be unique ("/tmp" appears more than once)');
  });

  test('log settings next to a given log group', () => {
    const s = stack();
    const logGroup = new logs.LogGroup(s, 'Shared');
    expect(() => taskIn(s, { logGroup, logRetention: logs.RetentionDays.ONE_DAY }))
      .toThrow('Test/Task: invalid logRetention 1: only applies to the log group created here; configure the given logGroup instead');
  });

  test('a key next to a given log group', () => {
    const s = stack();
    const logGroup = new logs.LogGroup(s, 'Shared');
    expect(() => taskIn(s, { logGroup, logEncryptionKey: new kms.Key(s, 'K') }))
      .toThrow('Test/Task: invalid logEncryptionKey "Test/K": only applies to the log group created here');
  });

  test('a mutable tag of a plain repository is rejected before the task definition is built', () => {
    const s = stack();
    expect(() => new TaggedImageTaskDefinition(s, 'Task', {
      image: ImageReference.fromRepository(new ecr.Repository(s, 'Plain'), { tag: 'v1' }),
    })).toThrow(/Test\/Plain: invalid tag "v1": the repository lets this tag move/);
  });
});

describe('shared authorization policy', () => {
  test('every execution role of a stack is attached to one ecr:GetAuthorizationToken policy; another stack gets its own', () => {
    const app = new App();
    const registry = stack(app, 'Registry');
    const repo = new SecureRepository(registry, 'Repo', { repositoryName: 'team/api' });
    const stacks = ['Api', 'Other'].map(id => stack(app, id));
    const tasks = stacks.map(s => ['A', 'B', 'C'].map(name =>
      new TaggedImageTaskDefinition(s, name, { image: ImageReference.fromRepository(repo, { tag: 'v1' }) })));
    stacks.forEach((s, i) => {
      const t = Template.fromStack(s);
      const policies = t.findResources('AWS::IAM::ManagedPolicy', {
        Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ecr:GetAuthorizationToken' })]) } },
      });
      // One policy, holding that one statement and nothing else.
      expect(Object.keys(policies)).toHaveLength(1);
      const [id, policy] = Object.entries<any>(policies)[0];
      expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' }]);
      // Attached to each execution role of the stack, and to no other role.
      const attachedTo = Object.entries<any>(t.findResources('AWS::IAM::Role'))
        .filter(([, role]) => (role.Properties.ManagedPolicyArns ?? []).some((arn: any) => arn.Ref === id))
        .map(([roleId]) => roleId);
      expect(attachedTo.sort()).toEqual(tasks[i].map(task => s.getLogicalId(task.executionRole!.node.defaultChild as iam.CfnRole)).sort());
      for (const task of tasks[i]) expect(task.registryAuthorizationPolicy.node.path).toBe(`${s.node.id}/RegistryAuthorizationPolicy`);
    });
  });

  test('a construct of the user\'s under the id RegistryAuthorizationPolicy at the stack root is refused, never attached', () => {
    const refused = /^Test\/RegistryAuthorizationPolicy: invalid construct id "RegistryAuthorizationPolicy": the library keeps the stack's shared ecr:GetAuthorizationToken policy under this id/;
    const withRole = stack();
    new iam.Role(withRole, 'RegistryAuthorizationPolicy', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    expect(() => taskIn(withRole)).toThrow(refused);
    // A managed policy of the user's would otherwise give its statements to every execution role.
    const withPolicy = stack();
    new iam.ManagedPolicy(withPolicy, 'RegistryAuthorizationPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] })],
    });
    expect(() => taskIn(withPolicy)).toThrow(refused);
  });
});

describe('shared log key', () => {
  /** IAM ArnLike: `*` matches any run of characters, `?` one character. */
  const arnLike = (pattern: string, arn: string) =>
    new RegExp(`^${pattern.split('').map(c => c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')).join('')}$`).test(arn);

  /** The log group ARN patterns the key policy lets CloudWatch Logs use the key for, resolved for aws. */
  function allowedPatterns(template: Template): string[] {
    const keys = Object.entries(template.findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith('SharedLogKey'));
    expect(keys).toHaveLength(1);
    const statement = keys[0][1].Properties.KeyPolicy.Statement.find((st: any) => st.Sid === 'AllowCloudWatchLogsForItsLogGroups');
    return statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']
      .map((v: any) => v['Fn::Join'][1].map((part: any) => part.Ref === 'AWS::Partition' ? 'aws' : part).join(''));
  }

  test('every task definition of a stack uses one key; another stack gets its own', () => {
    const app = new App();
    const registry = stack(app, 'Registry');
    const repo = new SecureRepository(registry, 'Repo', { repositoryName: 'team/api' });
    const stacks = ['Api', 'Other'].map(id => stack(app, id));
    for (const s of stacks) {
      for (const name of ['A', 'B', 'C']) {
        new TaggedImageTaskDefinition(s, name, { image: ImageReference.fromRepository(repo, { tag: 'v1' }) });
      }
    }
    for (const s of stacks) {
      const t = Template.fromStack(s);
      t.resourceCountIs('AWS::KMS::Key', 1);
      t.resourceCountIs('AWS::Logs::LogGroup', 3);
      expect(new Set(Object.values<any>(t.findResources('AWS::Logs::LogGroup')).map(g => JSON.stringify(g.Properties.KmsKeyId))).size).toBe(1);
    }
  });

  test('the key policy lets CloudWatch Logs use the key for the stack\'s log groups and no other log group', () => {
    const app = new App();
    const s = stack(app, 'Api');
    const repo = new SecureRepository(s, 'Repo', { repositoryName: 'team/api' });
    const tasks = ['A', 'B'].map(name => new TaggedImageTaskDefinition(s, name, { image: ImageReference.fromRepository(repo, { tag: 'v1' }) }));
    const patterns = allowedPatterns(Template.fromStack(s));
    const arn = (name: string) => `arn:aws:logs:us-east-1:111111111111:log-group:${name}`;
    // CloudFormation names a log group without a name <stack name>-<logical id>-<random suffix>.
    for (const task of tasks) {
      const logicalId = s.resolve((task.logGroup.node.defaultChild as logs.CfnLogGroup).logicalId);
      expect(patterns.filter(p => arnLike(p, arn(`Api-${logicalId}-1A2B3C4D5E6F`)))).toHaveLength(1);
    }
    for (const other of ['Api2-ALogGroup-1A2B3C', 'Other-ALogGroupD066D939-1A2B3C', '/aws/lambda/fn', 'Api-SomethingElse-1A2B3C']) {
      expect(patterns.some(p => arnLike(p, arn(other)))).toBe(false);
    }
    expect(patterns.some(p => arnLike(p, 'arn:aws:logs:us-east-1:222222222222:log-group:Api-ALogGroupD066D939-1A2B3C'))).toBe(false);
  });

  test('an explicit key shared by two stacks lists the log groups of both, each under its stack name', () => {
    const app = new App();
    const keys = stack(app, 'Keys');
    const key = new kms.Key(keys, 'Logs', { enableKeyRotation: true });
    const repo = new SecureRepository(keys, 'Repo', { repositoryName: 'team/api' });
    for (const id of ['Api', 'Worker']) {
      new TaggedImageTaskDefinition(stack(app, id), 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1' }), logEncryptionKey: key });
    }
    const [keyResource] = Object.values<any>(Template.fromStack(keys).findResources('AWS::KMS::Key'))
      .filter(k => k.Properties.KeyPolicy.Statement.some((st: any) => st.Sid === 'AllowCloudWatchLogsForItsLogGroups'));
    const statement = keyResource.Properties.KeyPolicy.Statement.find((st: any) => st.Sid === 'AllowCloudWatchLogsForItsLogGroups');
    const values = JSON.stringify(statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']);
    expect(values).toMatch(/log-group:Api-TaskLogGroup[0-9A-F]{8}-\*/);
    expect(values).toMatch(/log-group:Worker-TaskLogGroup[0-9A-F]{8}-\*/);
  });
});
