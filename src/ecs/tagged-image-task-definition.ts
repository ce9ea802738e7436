import { Annotations, Arn, ArnFormat, CfnElement, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ImageReference } from './image-reference';
import { limitGrantsToAwsServices } from '../private/kms';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { applyViolations, BlueprintValidationError, checkInteger, checkLength, checkPattern, checkUnique, fail, isUnresolved, violationMessages } from '../private/validate';
import { checkContainerMemory, checkFargateTaskSize, checkRootUser } from '../rules/ecs';

/**
 * The settings of a container that the essential container of a `TaggedImageTaskDefinition` and
 * its sidecars share, with the same defaults: a non-root user, a read-only root filesystem,
 * secrets from Secrets Manager or Parameter Store.
 */
export interface SecureContainerOptions {
  /**
   * The command the container runs, replacing the image's `CMD`.
   *
   * @default - the image's command
   */
  readonly command?: string[];

  /**
   * The user (and group) the container runs as: `user`, `user:group`, `uid` or `uid:gid`. Root
   * (`root` or `0`, as user or group) is rejected unless `allowRootUser` is true.
   *
   * @default '1000:1000'
   */
  readonly user?: string;

  /**
   * Let the container run as root.
   *
   * @default false
   */
  readonly allowRootUser?: boolean;

  /**
   * Mount the container's root filesystem read-only. Give the paths the application writes to in
   * `writablePaths`.
   *
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;

  /**
   * Absolute paths that stay writable with a read-only root filesystem (for example `/tmp`). Each one
   * is a task volume on the task's ephemeral storage, empty when the task starts.
   *
   * @default - none
   */
  readonly writablePaths?: string[];

  /**
   * Secrets given to the container as environment variables, read from Secrets Manager or Systems
   * Manager Parameter Store at start. The execution role gets read access to each one.
   *
   * @default - none
   */
  readonly secrets?: { [name: string]: ecs.Secret };

  /**
   * Plain environment variables, for configuration that is not secret. They are visible to anyone
   * who can describe the task definition: secrets belong in `secrets`, and names that look like
   * secrets (password, secret, token, api key, credential, private key) get a warning. cdk-nag
   * AwsSolutions-ECS2 reports every plain environment variable; acknowledge it on the task
   * definition when the values are not secret.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Port mappings of the container (the network mode is awsvpc: host and container port are the same).
   *
   * @default - none
   */
  readonly portMappings?: ecs.PortMapping[];

  /**
   * The container health check.
   *
   * @default - the image's health check, if any
   */
  readonly healthCheck?: ecs.HealthCheck;
}

/**
 * Properties of a `TaggedImageTaskDefinition`.
 */
export interface TaggedImageTaskDefinitionProps extends SecureContainerOptions {
  /** The image the essential container runs. */
  readonly image: ImageReference;

  /**
   * CPU units of the task (256, 512, 1024, 2048, 4096, 8192 or 16384).
   *
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Memory of the task in MiB; the values allowed depend on `cpu` (for example 512, 1024 or 2048
   * with 256 cpu units). An invalid pair is an error that lists the values allowed.
   *
   * @default 512
   */
  readonly memoryLimitMiB?: number;

  /**
   * Hard memory limit of the essential container in MiB: the container is stopped when it uses
   * more. Set on every container because the AWS Control Tower control CT.ECS.PR.7 requires a
   * container-level memory limit (at least 4 MiB).
   *
   * @default - the task's memoryLimitMiB less the memory limits of the sidecars
   */
  readonly containerMemoryLimitMiB?: number;

  /**
   * The processor architecture the image is built for.
   *
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * Ephemeral storage of the task in GiB (21-200).
   *
   * @default - 20 GiB, the Fargate default
   */
  readonly ephemeralStorageGiB?: number;

  /**
   * The task definition family (up to 255 letters, digits, `-` and `_`).
   *
   * @default - a name generated from the construct path
   */
  readonly family?: string;

  /**
   * The name of the essential container (up to 255 letters, digits, `-` and `_`).
   *
   * @default 'app'
   */
  readonly containerName?: string;

  /**
   * The task role, the identity of the application. Statements added with `addToTaskRolePolicy`
   * go to a customer-managed policy of this construct when the role is created here.
   *
   * @default - a new role with no permissions, assumable by ecs-tasks.amazonaws.com
   */
  readonly taskRole?: iam.IRole;

  /**
   * The log group the container writes to.
   *
   * @default - a new log group encrypted with `logEncryptionKey`, with `logRetention`, kept on stack deletion (see `removalPolicy`)
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the new log group keeps log events. Only used when `logGroup` is not given.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The KMS key that encrypts the new log group, for example one key shared by the stacks of an
   * account and region. Its key policy receives a statement that lets CloudWatch Logs use it for
   * the log groups created with it, and no other (when the key is defined in the app). Only used
   * when `logGroup` is not given.
   *
   * @default - the stack's shared log key (see `dedicatedLogKey`)
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Give this task definition a log key of its own instead of the key every
   * `TaggedImageTaskDefinition` of the stack shares. A key costs $1 a month (us-east-1 list
   * price, plus requests); a key of its own makes sense when the logs need a key policy of their
   * own, for example to let another account read them. Only used when neither `logGroup` nor
   * `logEncryptionKey` is given.
   *
   * @default false - one shared key per stack (construct id `SharedLogKey` at the stack's root), rotation enabled
   */
  readonly dedicatedLogKey?: boolean;

  /**
   * The log stream prefix: streams are named `<prefix>/<container name>/<task id>`.
   *
   * @default 'ecs'
   */
  readonly logStreamPrefix?: string;

  /**
   * What happens to the log group and the key created here when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Sidecar containers (log routers, proxies, agents), by construct id; each is added with
   * `addSidecar` and gets the same guarantees as the essential container.
   *
   * @default - no sidecars
   */
  readonly sidecars?: { [id: string]: SidecarOptions };
}

/**
 * A sidecar container of a `TaggedImageTaskDefinition` (`addSidecar`). It gets the guarantees of the
 * essential container: a pinned image (`ImageReference`: the tag protected from lifecycle rules, the
 * pull granted to the execution role, mutable tags refused), a hard memory limit, a non-root user, a
 * read-only root filesystem and logs to the task's log group (stream `<prefix>/<container name>/<task id>`).
 */
export interface SidecarOptions extends SecureContainerOptions {
  /**
   * The image. An image outside ECR is accepted only by digest (`ImageReference.fromRegistry`); it
   * bypasses ECR scanning and the pull-through cache.
   */
  readonly image: ImageReference;

  /**
   * The hard memory limit of the container in MiB (at least 6, the ECS minimum). The limits of all
   * sidecars leave memory for the essential container within the task's `memoryLimitMiB`.
   */
  readonly memoryLimitMiB: number;

  /**
   * The container name (up to 255 letters, digits, `-` and `_`), unique in the task.
   *
   * @default - the construct id
   */
  readonly containerName?: string;

  /**
   * CPU units reserved for the container.
   *
   * @default - none reserved: the container shares the task's cpu
   */
  readonly cpu?: number;

  /**
   * Whether the task stops when this container stops.
   *
   * @default true
   */
  readonly essential?: boolean;
}

/** Container names, task families and volume names: up to 255 letters, digits, `-` and `_`. */
const ECS_NAME_PATTERN = /[A-Za-z0-9_-]{1,255}/;
const ECS_NAME_RULE = 'names are 1-255 letters, digits, - and _';

/** The `user` field: a name or id, optionally `:` and a group name or id. */
const USER_PATTERN = /[^\s:]+(:[^\s:]+)?/;
const USER_RULE = 'users are written user, user:group, uid or uid:gid';

/** Environment variable names that usually carry a secret. */
const SECRET_LIKE_NAME = /(PASSW(OR)?D|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)/i;

/**
 * A Fargate task definition with one essential container that runs a pinned `ImageReference`,
 * with secure defaults:
 *
 * - the execution role has no AWS-managed policy and no inline policy: the image pull, the log
 *   stream and the secrets are granted in a customer-managed policy scoped to their ARNs, and
 *   `ecr:GetAuthorizationToken` (no resource-level permission exists for it) on `*` sits alone in a
 *   second customer-managed policy, `registryAuthorizationPolicy`;
 * - a separate task role with no permissions;
 * - logs to a CloudWatch log group with a retention period, encrypted with a customer-managed KMS
 *   key with rotation that all task definitions of the stack share (`SharedLogKey`, one key instead
 *   of one per service; its key policy names each log group), both kept on stack deletion;
 * - a read-only root filesystem, a non-root user (`1000:1000`), secrets only through `secrets`;
 * - ARM64 (or X86_64) Linux, and a cpu/memory pair Fargate accepts.
 *
 * When the image is a tag of a `SecureRepository`, that tag is protected from the repository's
 * lifecycle rules, wherever the repository is in the app.
 *
 * It is an `ecs.FargateTaskDefinition`, so `ecs.FargateService` takes it.
 */
export class TaggedImageTaskDefinition extends ecs.FargateTaskDefinition {
  /** The image the essential container runs. */
  public readonly image: ImageReference;
  /** The image URI in the container definition. */
  public readonly imageUri: string;
  /** The essential container. */
  public readonly container: ecs.ContainerDefinition;
  /** The log group of the container. */
  public readonly logGroup: logs.ILogGroup;
  /** The key that encrypts the log group, when the log group was created here. */
  public readonly logEncryptionKey?: kms.IKey;

  private readonly pinnedExecutionRole: ManagedPolicyRole;
  private readonly containerNames = new Set<string>();
  private readonly logStreamPrefix: string;
  private sidecarMemoryMiB = 0;
  private readonly taskMemoryMiB: number;
  private readonly _sidecars: ecs.ContainerDefinition[] = [];
  private readonly ownsTaskRole: boolean;
  private _taskRolePolicy?: iam.ManagedPolicy;
  private _execPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: TaggedImageTaskDefinitionProps) {
    const cpu = props.cpu ?? 256;
    const memoryLimitMiB = props.memoryLimitMiB ?? 512;
    super(scope, id, {
      cpu,
      memoryLimitMiB,
      ephemeralStorageGiB: props.ephemeralStorageGiB,
      family: props.family,
      taskRole: props.taskRole,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.ownsTaskRole = props.taskRole === undefined;
    this.taskMemoryMiB = memoryLimitMiB;
    this.logStreamPrefix = props.logStreamPrefix ?? 'ecs';

    applyViolations(this, checkFargateTaskSize(cpu, memoryLimitMiB));
    checkInteger(this, 'containerMemoryLimitMiB', props.containerMemoryLimitMiB, { min: 4 });
    // Users can add containers to this task definition: their memory is checked against the task's at synth.
    this.node.addValidation({ validate: () => this.validateContainerMemory(memoryLimitMiB) });
    checkPattern(this, 'family', props.family, ECS_NAME_PATTERN, ECS_NAME_RULE);
    const containerName = props.containerName ?? 'app';
    const user = props.user ?? '1000:1000';
    const writablePaths = props.writablePaths ?? [];
    checkContainerSettings(this, '', { containerName, user, allowRootUser: props.allowRootUser, writablePaths, environment: props.environment });

    this.pinnedExecutionRole = new ManagedPolicyRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (props.logGroup) {
      if (props.logEncryptionKey || props.logRetention) {
        fail(this, props.logEncryptionKey ? 'logEncryptionKey' : 'logRetention',
          props.logEncryptionKey ? props.logEncryptionKey.node.path : props.logRetention,
          'only applies to the log group created here; configure the given logGroup instead');
      }
      this.logGroup = props.logGroup;
    } else {
      this.logEncryptionKey = props.logEncryptionKey
        ?? (props.dedicatedLogKey
          ? dedicatedLogKey(this, removalPolicy)
          : sharedLogKey(this, removalPolicy));
      const logGroup = new logs.LogGroup(this, 'LogGroup', {
        encryptionKey: this.logEncryptionKey,
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        removalPolicy,
      });
      allowCloudWatchLogs(this.logEncryptionKey, logGroup);
      this.logGroup = logGroup;
    }

    this.image = props.image;
    this.imageUri = props.image.imageUri;
    this.container = this.addContainer('Container', {
      containerName,
      image: props.image.toContainerImage(),
      essential: true,
      // Sidecars and other containers are added later: the essential container gets what they leave of the task's memory.
      memoryLimitMiB: props.containerMemoryLimitMiB ?? (isUnresolved(memoryLimitMiB) ? memoryLimitMiB
        : Lazy.number({ produce: () => Math.max(MIN_CONTAINER_MEMORY_MIB, memoryLimitMiB - this.otherContainersMemoryMiB()) })),
      command: props.command,
      user,
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
      secrets: props.secrets,
      environment: props.environment,
      portMappings: props.portMappings,
      healthCheck: props.healthCheck,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: this.logStreamPrefix,
      }),
    });

    writablePaths.forEach((containerPath, i) => {
      const name = `writable-${i + 1}`;
      this.addVolume({ name });
      this.container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    });
    this.containerNames.add(containerName);

    for (const [sidecarId, sidecar] of Object.entries(props.sidecars ?? {})) this.addSidecar(sidecarId, sidecar);
  }

  /**
   * Adds a sidecar container (a log router, a proxy, an agent) with the guarantees of the essential
   * container: pinned image with the pull granted and the tag protected, hard memory limit, non-root
   * user, read-only root filesystem, logs to the task's log group. Construct id `<id>`.
   */
  public addSidecar(id: string, options: SidecarOptions): ecs.ContainerDefinition {
    const containerName = options.containerName ?? id;
    const property = `sidecar ${containerName}`;
    const user = options.user ?? '1000:1000';
    const writablePaths = options.writablePaths ?? [];
    checkContainerSettings(this, `${property} `, {
      containerName, user, allowRootUser: options.allowRootUser, writablePaths, environment: options.environment,
    });
    if (!isUnresolved(containerName) && this.containerNames.has(containerName)) {
      fail(this, `${property} containerName`, containerName, 'container names are unique in a task definition');
    }
    checkInteger(this, `${property} memoryLimitMiB`, options.memoryLimitMiB, { min: MIN_CONTAINER_MEMORY_MIB });
    if (!isUnresolved(options.memoryLimitMiB) && !isUnresolved(this.taskMemoryMiB)) {
      const total = this.sidecarMemoryMiB + options.memoryLimitMiB;
      if (total >= this.taskMemoryMiB) {
        fail(this, `${property} memoryLimitMiB`, options.memoryLimitMiB,
          `the sidecars' memory limits (${total} MiB in all) must leave memory for the essential container within the task's ${this.taskMemoryMiB} MiB`);
      }
      this.sidecarMemoryMiB = total;
    }
    this.containerNames.add(containerName);

    const container = this.addContainer(id, {
      containerName,
      image: options.image.toContainerImage(),
      essential: options.essential ?? true,
      memoryLimitMiB: options.memoryLimitMiB,
      cpu: options.cpu,
      command: options.command,
      user,
      readonlyRootFilesystem: options.readonlyRootFilesystem ?? true,
      secrets: options.secrets,
      environment: options.environment,
      portMappings: options.portMappings,
      healthCheck: options.healthCheck,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: this.logStreamPrefix }),
    });
    writablePaths.forEach((containerPath, i) => {
      const name = `${containerName}-writable-${i + 1}`;
      this.addVolume({ name });
      container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    });
    this._sidecars.push(container);
    return container;
  }

  /** The sidecar containers, in the order they were added. */
  public get sidecars(): ecs.ContainerDefinition[] {
    return [...this._sidecars];
  }

  /** The execution role: ECS uses it to pull the image, create log streams and read the secrets. */
  public get executionRole(): iam.IRole | undefined {
    return this.pinnedExecutionRole;
  }

  /**
   * The customer-managed policy of the execution role that holds every scoped statement (image
   * pull on the repository ARN, log stream on the log group, secrets).
   */
  public get executionRolePolicy(): iam.ManagedPolicy {
    return this.pinnedExecutionRole.policy!;
  }

  /**
   * The customer-managed policy that holds only `ecr:GetAuthorizationToken` on `*`: one per stack
   * (construct id `RegistryAuthorizationPolicy` at the stack root), attached to the execution role
   * of every task definition of the stack, as the statement is the same for all of them. ECR has no
   * resource-level permission for that action; this is the construct to acknowledge cdk-nag's
   * `AwsSolutions-IAM5[Resource::*]` on, once per stack. Add nothing to it: every task of the stack
   * would get it.
   */
  public get registryAuthorizationPolicy(): iam.ManagedPolicy {
    return this.pinnedExecutionRole.authorizationPolicy!;
  }

  /**
   * The execution role, created with the task definition (never replaced by a default role).
   */
  public obtainExecutionRole(): iam.IRole {
    return this.pinnedExecutionRole;
  }

  /**
   * Adds a statement to the task role. When the task role was created here, the statement goes to
   * a customer-managed policy (`TaskRolePolicy`) attached to it, not to an inline policy.
   */
  public addToTaskRolePolicy(statement: iam.PolicyStatement): void {
    if (!this.ownsTaskRole) {
      super.addToTaskRolePolicy(statement);
      return;
    }
    if (isExecStatement(statement)) {
      this.execPolicy().addStatements(statement);
      return;
    }
    if (isExecLogStreamStatement(statement)) {
      // ECS Exec with the DEFAULT logging writes the session to the container's awslogs log group:
      // that log group, rather than the "*" aws-cdk-lib grants.
      this.execPolicy().addStatements(new iam.PolicyStatement({
        actions: statement.actions,
        resources: [this.logGroup.logGroupArn],
      }));
      return;
    }
    if (!this._taskRolePolicy) {
      this._taskRolePolicy = new iam.ManagedPolicy(this, 'TaskRolePolicy', {
        description: `Permissions of the task role of ${this.node.path}`,
      });
      this.taskRole.addManagedPolicy(this._taskRolePolicy);
    }
    this._taskRolePolicy.addStatements(statement);
  }

  /**
   * The memory the other containers take from the task: each one's reservation, or its hard limit
   * when it has no reservation (as ECS counts them); values held in tokens are not counted.
   */
  private otherContainersMemoryMiB(): number {
    let total = 0;
    for (const c of this.containers) {
      if (c === this.container) continue;
      const d = c.renderContainerDefinition();
      const taken = d.memoryReservation ?? d.memory;
      if (typeof taken === 'number' && !isUnresolved(taken)) total += taken;
    }
    return total;
  }

  /**
   * Every container of the task against the task memory (ECRB-CONTAINER-MEMORY). Only the two
   * memory fields are resolved: resolving whole container definitions (images, log options) costs
   * more than the rest of the check. The app-wide checks read the same fields from the template.
   */
  private validateContainerMemory(taskMemoryMiB: number): string[] {
    const stack = Stack.of(this);
    const number = (value: unknown) => {
      const resolved = value === undefined ? undefined : stack.resolve(value);
      return typeof resolved === 'number' ? resolved : undefined;
    };
    return violationMessages(this, checkContainerMemory(taskMemoryMiB, this.containers.map(c => {
      const d = c.renderContainerDefinition();
      return { name: c.containerName, memory: number(d.memory), memoryReservation: number(d.memoryReservation) };
    })));
  }

  /**
   * The customer-managed policy of the task role that holds only what ECS Exec needs: the Session
   * Manager channel actions (`ssmmessages:CreateControlChannel`, `CreateDataChannel`,
   * `OpenControlChannel`, `OpenDataChannel`) and `logs:DescribeLogGroups` on `*`, for which AWS
   * offers no resource-level permission, and the session log stream actions on the task's log group.
   * Created when a service enables ECS Exec; the cdk-nag `AwsSolutions-IAM5[Resource::*]`
   * finding is acknowledged on this policy only.
   */
  public get execCommandPolicy(): iam.ManagedPolicy | undefined {
    return this._execPolicy;
  }

  private execPolicy(): iam.ManagedPolicy {
    if (!this._execPolicy) {
      this._execPolicy = new iam.ManagedPolicy(this, 'ExecCommandPolicy', {
        description: `ECS Exec (Session Manager channels) for the task role of ${this.node.path}; the actions have no resource-level permission`,
      });
      this.taskRole.addManagedPolicy(this._execPolicy);
      Validations.of(this._execPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ECS Exec needs ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel ' +
          '(and logs:DescribeLogGroups to log sessions) in the task role (Amazon ECS developer guide, "Monitor Amazon ECS containers ' +
          'with ECS Exec", IAM permissions required for ECS Exec); the Service Authorization Reference lists no resource type for them, ' +
          'so "*" is the only resource; this policy holds nothing else but the log stream actions on the task\'s own log group',
      });
    }
    return this._execPolicy;
  }
}

/**
 * What ECS Exec needs that AWS offers no resource-level permission for, so only on `*`: the Session
 * Manager channels, and listing the log groups when the session is logged.
 */
const EXEC_ACTIONS = [
  'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
  'logs:DescribeLogGroups',
];
/** What ECS Exec needs to log a session into a log group. */
const EXEC_LOG_STREAM_ACTIONS = ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'];

/** The statement aws-cdk-lib adds for ECS Exec session logging, on `*`. */
function isExecLogStreamStatement(statement: iam.PolicyStatement): boolean {
  return statement.effect === iam.Effect.ALLOW
    && statement.actions.length === EXEC_LOG_STREAM_ACTIONS.length && statement.actions.every(a => EXEC_LOG_STREAM_ACTIONS.includes(a))
    && statement.resources.length === 1 && statement.resources[0] === '*'
    && statement.notActions.length === 0 && statement.notResources.length === 0 && !statement.hasPrincipal
    && Object.keys(statement.conditions ?? {}).length === 0;
}

/** The statement ECS Exec (`enableExecuteCommand` on a service) adds to the task role. */
function isExecStatement(statement: iam.PolicyStatement): boolean {
  return statement.effect === iam.Effect.ALLOW
    && statement.actions.length > 0 && statement.actions.every(a => EXEC_ACTIONS.includes(a))
    && statement.resources.length === 1 && statement.resources[0] === '*'
    && statement.notActions.length === 0 && statement.notResources.length === 0 && !statement.hasPrincipal
    && Object.keys(statement.conditions ?? {}).length === 0;
}

/** ECS accepts a container memory limit of at least 6 MiB. */
const MIN_CONTAINER_MEMORY_MIB = 6;

interface ContainerSettings {
  readonly containerName: string;
  readonly user: string;
  readonly allowRootUser?: boolean;
  readonly writablePaths: string[];
  readonly environment?: { [name: string]: string };
}

/**
 * The checks every container of the task gets (the essential one and the sidecars); `prefix` names
 * the container in the property of a message (empty for the essential container).
 */
function checkContainerSettings(where: Construct, prefix: string, c: ContainerSettings): void {
  checkPattern(where, `${prefix}containerName`, c.containerName, ECS_NAME_PATTERN, ECS_NAME_RULE);
  checkPattern(where, `${prefix}user`, c.user, USER_PATTERN, USER_RULE);
  const [root] = c.allowRootUser ? [] : checkRootUser(`${prefix}user`, c.user);
  if (root) throw new BlueprintValidationError(where, root.property, root.value, `${root.rule}, or set allowRootUser: true`, root.ruleId);
  checkUnique(where, `${prefix}writablePaths`, c.writablePaths);
  for (const path of c.writablePaths) {
    checkPattern(where, `${prefix}writablePaths`, path, /\/.*/, 'writable paths are absolute container paths (they start with /)');
    checkLength(where, `${prefix}writablePaths`, path, 1, 4096);
  }
  for (const name of Object.keys(c.environment ?? {})) {
    if (SECRET_LIKE_NAME.test(name)) {
      Annotations.of(where).addWarningV2('cdk-ecr-blueprints:secretInEnvironment',
        `the environment variable ${name} looks like a secret; plain environment variables are readable by anyone who can ` +
        'describe the task definition: pass it through secrets instead');
    }
  }
}

/** Description of the shared log key: one per stack, so it needs no path to be found. */
const SHARED_LOG_KEY_DESCRIPTION = 'Encrypts the logs of the ECS tasks of this stack';

/** The construct id of the shared log key, at the stack root. */
const SHARED_LOG_KEY_ID = 'SharedLogKey';

/**
 * Where a key keeps the ARN patterns of the log groups it encrypts. A global symbol, so that two
 * copies of the library in one app (two versions, a monorepo) share one key and one statement.
 */
const LOG_GROUP_PATTERNS = Symbol.for('cdk-ecr-blueprints.logGroupPatterns');

/** A log key of the task definition's own, when `dedicatedLogKey` asks for one. */
function dedicatedLogKey(scope: Construct, removalPolicy: RemovalPolicy): kms.Key {
  const key = new kms.Key(scope, 'LogKey', { description: `Encrypts the logs of ${scope.node.path}`, enableKeyRotation: true, removalPolicy });
  limitGrantsToAwsServices(key);
  return key;
}

/**
 * The key every `TaggedImageTaskDefinition` of the stack shares for its log group, made with the
 * first one (found by its construct id, so that every copy of the library finds it). A key
 * outlives its log groups: it is kept on stack deletion unless every task definition that uses it
 * asks for DESTROY.
 */
function sharedLogKey(scope: Construct, removalPolicy: RemovalPolicy): kms.Key {
  const stack = Stack.of(scope);
  let key = stack.node.tryFindChild(SHARED_LOG_KEY_ID) as kms.Key | undefined;
  if (!key) {
    key = new kms.Key(stack, SHARED_LOG_KEY_ID, {
      description: SHARED_LOG_KEY_DESCRIPTION,
      enableKeyRotation: true,
      removalPolicy,
    });
    limitGrantsToAwsServices(key);
  } else if (removalPolicy !== RemovalPolicy.DESTROY) {
    key.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
  return key;
}

/**
 * Lets CloudWatch Logs of the log group's region use the key for that log group and no other
 * (CloudWatch Logs user guide, encrypt log data with AWS KMS: the encryption context
 * `kms:EncryptionContext:aws:logs:arn` is the log group ARN). The key cannot name the log group's
 * ARN (the log group depends on the key), so the condition names what CloudFormation will call it:
 * a log group without a name is named `<stack name>-<logical id>-<random suffix>` (the
 * AWS::Logs::LogGroup resource provider). One statement per key lists every log group that uses it.
 */
function allowCloudWatchLogs(key: kms.IKey, logGroup: logs.LogGroup): void {
  const stack = Stack.of(logGroup);
  const logicalId = stack.getLogicalId(logGroup.node.defaultChild as CfnElement);
  const pattern = Arn.format({
    service: 'logs',
    resource: 'log-group',
    resourceName: `${stack.stackName}-${logicalId}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  }, stack);
  // The patterns of every log group of the key, rendered into one key policy statement.
  const holder = key as unknown as { [LOG_GROUP_PATTERNS]?: string[] };
  const patterns = holder[LOG_GROUP_PATTERNS];
  if (patterns) {
    patterns.push(pattern);
    return;
  }
  const all = [pattern];
  holder[LOG_GROUP_PATTERNS] = all;
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsForItsLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': Lazy.list({ produce: () => all }),
      },
    },
  }), true);
}
