import { Annotations, CfnResource, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as signer from 'aws-cdk-lib/aws-signer';
import { Construct, IConstruct } from 'constructs';
import { PullThroughCacheRule } from './pull-through-cache-rule';
import { PullTimeUpdateExclusion } from './pull-time-update-exclusion';
import { RegistryScanning } from './registry-scanning';
import { ReplicationDestination } from './replication-destination';
import { AddCreationTemplateOptions, RepositoryCreationScenario, RepositoryCreationTemplate } from './repository-creation-template';
import { SigningConfiguration, SigningRuleOptions } from './signing-configuration';
import { UpstreamRegistry } from './upstream-registry';
import { DeployedImagePhase, onDeployedImages } from '../private/deployed-images';
import { ACCOUNT_PATTERN, ACCOUNT_RULE } from '../private/ecr-rules';
import { limitGrantsToAwsServices } from '../private/kms';
import { acknowledgeWildcardResource } from '../private/nag';
import { hasIntrinsics, reportPolicyFindings, resolvedPolicy } from '../private/policy-checks';
import {
  hasOwnSettings,
  MAX_REGISTRY_POLICY_CHARS,
  prefixResource,
  ROOT_PREFIX,
} from '../private/registry-rules';
import { applyViolations, at, checkPattern, fail, isUnresolved, message, show, throwViolations } from '../private/validate';
import { baselineOverrides, baselineWarnings, checkBaselineKey, REGISTRY_BASELINE_WARNED } from '../repository/baseline-checks';
import { RepositoryBaseline, RepositoryBaselineProps } from '../repository/repository-baseline';
import { SecureRepository } from '../repository/secure-repository';
import { checkReplication } from '../rules/registry';
import { checkRepositoryName } from '../rules/repository';
import { checkResourcePolicy, ResourcePolicyKind } from '../rules/resource-policy';

/**
 * Properties of a `ContainerRegistry`. The baseline fields given here override the ones of `baseline`.
 */
export interface ContainerRegistryProps extends RepositoryBaselineProps {
  /**
   * The hardening settings of every repository in the registry: the ones added with
   * `addRepository()` and the ones ECR creates by replication, pull-through cache and create-on-push.
   *
   * @default - `new RepositoryBaseline()` with the registry's shared key: immutable tags, KMS, scan on push, default lifecycle rules
   */
  readonly baseline?: RepositoryBaseline;

  /**
   * The registry-wide scanning configuration.
   *
   * @default RegistryScanning.basic() - every repository is scanned on push
   */
  readonly scanning?: RegistryScanning;

  /**
   * Replication destinations (more can be added with `addReplication()`).
   *
   * @default - no replication
   */
  readonly replicateTo?: ReplicationDestination[];

  /**
   * What happens to the shared key and to the repositories added with `addRepository()` when they
   * leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Options of `ContainerRegistry.addRepository`. Baseline fields override the registry's baseline. */
export interface AddRepositoryOptions extends RepositoryBaselineProps {
  /**
   * Construct id of the repository.
   *
   * @default - the repository name (required when the name is a token)
   */
  readonly id?: string;

  /**
   * What happens to the repository when it leaves the stack.
   *
   * @default - the registry's removal policy
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Delete the images when the repository is deleted. Requires `removalPolicy: RemovalPolicy.DESTROY`.
   *
   * @default false
   */
  readonly emptyOnDelete?: boolean;

  /**
   * Tags protected from the lifecycle rules whether or not the app deploys them now, for example
   * the previous release (see `SecureRepositoryProps.retainTags`). Replicas in registries of the app
   * protect them too.
   *
   * @default - only the tags the app deploys are protected
   */
  readonly retainTags?: string[];
}

/** Options of `ContainerRegistry.addPullThroughCache`. Baseline fields override the registry's baseline for the cached repositories. */
export interface AddPullThroughCacheOptions extends RepositoryBaselineProps {
  /**
   * Construct id of the rule.
   *
   * @default - the prefix (required when the prefix is a token)
   */
  readonly id?: string;
}

const REGISTRY_SYMBOL = Symbol.for('cdk-ecr-blueprints.ContainerRegistry');

/** The registry is one per account and region, so its key's description needs no path. */
const REGISTRY_KEY_DESCRIPTION = 'Encrypts the images of the ECR registry';

/** Replication rule as rendered: destinations sharing one set of prefixes. */
interface RenderedRule {
  readonly prefixes: string[];
  readonly destinations: Array<{ readonly region: string; readonly registryId: string }>;
}

/**
 * The private ECR registry of one account and region, declared once: scanning, replication,
 * pull-through cache, repository creation templates, the registry policy, a shared KMS key, and
 * the repositories added with `addRepository()`. Every repository that comes to exist in the
 * registry gets the same baseline, whether it is declared here, replicated, cached or created on push.
 *
 * The resources it manages (`AWS::ECR::RegistryScanningConfiguration`,
 * `ReplicationConfiguration`, `RegistryPolicy`) are registry-wide singletons: ECR keeps one of each
 * per account and region, and the last writer wins. Declare at most one `ContainerRegistry` per
 * account and region, in one app: a second one in the same stack, or in two stacks of the app with
 * the same concrete account and region, fails at synth; two apps (or a CDK app and a console user)
 * managing the same registry overwrite each other.
 *
 * Construct ids (stable, they name the resources): `Key`, `Scanning`, `Replication`, `Policy`, `Signing`, `PullTimeUpdateExclusion/<id>`,
 * `TemplateRole`, `TemplatePolicy`, `Repository/<name>`, `PullThroughCache/<prefix>` and
 * `Template/<prefix>` (`/` in names and prefixes becomes `--`).
 */
export class ContainerRegistry extends Construct {
  /**
   * Whether the value is a `ContainerRegistry` (works across copies of this library).
   */
  public static isContainerRegistry(x: any): x is ContainerRegistry {
    return x !== null && typeof x === 'object' && REGISTRY_SYMBOL in x;
  }

  /** The registry id (the account id). */
  public readonly registryId: string;
  /** The region of the registry. */
  public readonly region: string;
  /** The registry URI, `<account>.dkr.ecr.<region>.<domain>`. */
  public readonly registryUri: string;
  /** The settings of every repository of the registry. */
  public readonly baseline: RepositoryBaseline;
  /** The customer-managed key shared by the repositories of the registry; undefined with AES256 or the AWS-managed key. */
  public readonly encryptionKey?: kms.IKey;
  /** The scanning configuration. */
  public readonly scanning: RegistryScanning;

  private readonly removalPolicy: RemovalPolicy;
  private readonly destinations: ReplicationDestination[] = [];
  private readonly resolvedDestinations: Array<{ account: string; region: string; prefixes: string[] }> = [];
  private readonly templates = new Map<string, RepositoryCreationTemplate>();
  private readonly caches = new Map<string, PullThroughCacheRule>();
  private readonly repositoryNames = new Map<string, SecureRepository>();
  private readonly replicationSources = new Set<string>();
  private readonly sourceRegistries: ContainerRegistry[] = [];
  private readonly unmanagedDestinations: string[] = [];
  private readonly pullSources = new Set<string>();
  /** Prefixes whose template hardens replicated repositories, with the source registry's path. */
  private readonly replicatedPrefixes = new Map<string, string>();
  private ownsKey = false;
  private keyKept = false;
  private policyDocument?: iam.PolicyDocument;
  private replication?: ecr.CfnReplicationConfiguration;
  private role?: iam.Role;
  private rolePolicy?: iam.CfnManagedPolicy;
  private readonly rolePrefixes = new Set<string>();
  private readonly roleKeys = new Map<string, kms.IKey>();
  private signing?: SigningConfiguration;

  constructor(scope: Construct, id: string, props: ContainerRegistryProps = {}) {
    super(scope, id);
    Object.defineProperty(this, REGISTRY_SYMBOL, { value: true });
    const stack = Stack.of(this);
    this.registryId = stack.account;
    this.region = stack.region;
    this.registryUri = `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}`;
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.checkSingleton();

    let baseline = at(this, () => (props.baseline ?? new RepositoryBaseline()).withOverrides(baselineOverrides(props)));
    checkBaselineKey(this, baseline);
    if (baseline.usesCustomerManagedKey && !baseline.encryptionKey) {
      this.encryptionKey = new kms.Key(this, 'Key', {
        description: REGISTRY_KEY_DESCRIPTION,
        enableKeyRotation: true,
        removalPolicy: this.removalPolicy,
      });
      limitGrantsToAwsServices(this.encryptionKey);
      this.ownsKey = true;
      baseline = baseline.withOverrides({ encryptionKey: this.encryptionKey });
    } else {
      this.encryptionKey = baseline.encryptionKey;
    }
    this.baseline = baseline;

    this.scanning = props.scanning ?? RegistryScanning.basic();
    this.scanning._validate(this);
    // The registry's own opt-outs are said once, here; its repositories do not repeat them, and the
    // registry's scanning configuration decides scanning when it covers every repository.
    applyViolations(this, baselineWarnings(this.baseline)
      .filter(w => !(this.scanning.scansEveryRepository && w.property === 'scanOnPush')));
    this.group('Repository').node.setContext(REGISTRY_BASELINE_WARNED, true);
    new ecr.CfnRegistryScanningConfiguration(this, 'Scanning', this.scanning._render());
    if (this.baseline.scanOnPush && !this.scanning.scansEveryRepository) {
      Annotations.of(this).addWarningV2('cdk-ecr-blueprints:ContainerRegistry.partialScanning',
        'the registry scanning configuration has no "*" rule: the repositories it does not select are not scanned, ' +
        'whatever scanOnPush says, because the registry configuration takes precedence over repository settings');
    }

    for (const destination of props.replicateTo ?? []) this.addReplication(destination);
    onDeployedImages(this, DeployedImagePhase.TEMPLATE, () => this.warnUnprotectedReplicas());
  }

  /**
   * The registries of the app that replicate into this one.
   * @internal
   */
  public get _replicationSources(): ContainerRegistry[] {
    return [...this.sourceRegistries];
  }

  /**
   * The role ECR assumes to apply creation templates that use a customer-managed key or tags,
   * once such a template exists.
   */
  public get templateRole(): iam.IRole | undefined {
    return this.role;
  }

  /** The replication destinations, in the order they were added. */
  public get replicationDestinations(): ReplicationDestination[] {
    return [...this.destinations];
  }

  /** The creation templates of the registry. */
  public get creationTemplates(): RepositoryCreationTemplate[] {
    return [...this.templates.values()];
  }

  /** The pull-through cache rules of the registry. */
  public get pullThroughCacheRules(): PullThroughCacheRule[] {
    return [...this.caches.values()];
  }

  /** The managed signing configuration, once a signing rule exists (`addSigningRule`). */
  public get signingConfiguration(): SigningConfiguration | undefined {
    return this.signing;
  }

  /**
   * Adds an ECR managed signing rule: images pushed to the repositories the filters match are signed
   * by AWS Signer with the profile (see `SigningConfiguration`; construct id `Signing`). Use
   * `NotationSigningProfile` for a profile with the right platform and a one-year validity.
   */
  public addSigningRule(profile: signer.ISigningProfile, options: SigningRuleOptions = {}): SigningConfiguration {
    this.signing ??= new SigningConfiguration(this, 'Signing');
    this.signing.addRule(profile, options);
    return this.signing;
  }

  /**
   * Excludes a role's pulls from updating the last recorded pull time of images, so that a scanner
   * or build system pulling every image does not defeat `LifecycleRule.archiveAfterDaysSinceLastPull`
   * (see `PullTimeUpdateExclusion`; construct id `PullTimeUpdateExclusion/<id>`).
   */
  public addPullTimeUpdateExclusion(id: string, role: iam.IRole): PullTimeUpdateExclusion {
    return new PullTimeUpdateExclusion(this.group('PullTimeUpdateExclusion'), id, { role });
  }

  /**
   * Adds a repository with the registry's baseline (and the shared key), as a `SecureRepository`.
   *
   * @param repositoryName the repository name (2-256 characters, lowercase, `/` between segments)
   * @param options baseline overrides for this repository
   */
  public addRepository(repositoryName: string, options: AddRepositoryOptions = {}): SecureRepository {
    const { id, removalPolicy, emptyOnDelete, retainTags, ...overrides } = options;
    if (isUnresolved(repositoryName) && id === undefined) {
      fail(this, 'repositoryName', repositoryName, 'a repository name that is a token needs an explicit id (options.id), because the construct id cannot be derived from it');
    }
    applyViolations(this, checkRepositoryName('repositoryName', repositoryName));
    const existing = this.repositoryNames.get(repositoryName);
    if (existing) fail(this, 'repositoryName', repositoryName, `the registry already has this repository (${existing.node.path})`);
    const repository = new SecureRepository(this.group('Repository'), id ?? repositoryName, {
      repositoryName,
      baseline: this.baseline,
      removalPolicy: removalPolicy ?? this.removalPolicy,
      emptyOnDelete,
      retainTags,
      ...overrides,
    });
    this.repositoryNames.set(repositoryName, repository);
    if ((removalPolicy ?? this.removalPolicy) === RemovalPolicy.RETAIN && repository.encryptionKey === this.encryptionKey) {
      this.keepKey(`the repository ${repository.node.path} is kept on stack deletion (removalPolicy RETAIN)`);
    }
    return repository;
  }

  /**
   * Replicates the registry's images to a destination. See `ReplicationDestination` for what
   * hardens the repositories replication creates.
   */
  public addReplication(destination: ReplicationDestination): void {
    const stack = Stack.of(this);
    let account: string;
    let region: string;
    let label: string;
    const target = destination.destinationRegistry;
    if (target) {
      label = `ReplicationDestination.registry(${target.node.path})`;
      if (target === this) fail(this, 'replication destination', target.node.path, 'a registry cannot replicate to itself');
      const other = Stack.of(target);
      if (isUnresolved(other.account) || isUnresolved(other.region)) {
        fail(this, 'replication destination', target.node.path,
          'the destination ContainerRegistry needs a stack with a concrete account and region (env), to be written into the replication configuration');
      }
      if (isUnresolved(stack.account) || isUnresolved(stack.region)) {
        fail(this, 'replication source', this.node.path,
          'replicating to a ContainerRegistry needs a concrete account and region on the source stack (env), to be written into the destination registry');
      }
      account = other.account;
      region = other.region;
    } else {
      region = destination.destinationRegion!;
      account = destination.destinationAccount ?? stack.account;
      label = destination.destinationAccount ? `ReplicationDestination.account(${show(account)}, ${show(region)})` : `ReplicationDestination.region(${show(region)})`;
    }

    const prefixes = destination.repositoryPrefixes;
    // The region (known per partition), the account, the source itself (equal strings are equal
    // values, tokens included) and the prefixes: one rule (src/rules), for this destination.
    applyViolations(this, checkReplication(stack.account, stack.region, [{ destinations: [{ region, registryId: account }], filters: prefixes }]));
    const duplicate = this.resolvedDestinations.find(d => d.account === account && d.region === region && sameSet(d.prefixes, prefixes));
    if (duplicate) {
      fail(this, 'replication destination', `${account}/${region}`, 'this destination is already configured with the same repository prefixes');
    }

    // ECR's quotas, over the configuration as it would render with this destination.
    const candidate = [...this.resolvedDestinations, { account, region, prefixes: [...prefixes] }];
    throwViolations(this, checkReplication(stack.account, stack.region,
      renderRules(candidate).map(r => ({ destinations: r.destinations, filters: r.prefixes }))));


    this.resolvedDestinations.push({ account, region, prefixes: [...prefixes] });
    this.destinations.push(destination);
    if (!this.replication) {
      this.replication = new ecr.CfnReplicationConfiguration(this, 'Replication', {
        replicationConfiguration: {
          rules: Lazy.any({
            produce: () => renderRules(this.resolvedDestinations).map(rule => ({
              destinations: rule.destinations,
              repositoryFilters: rule.prefixes.length ? rule.prefixes.map(filter => ({ filter, filterType: 'PREFIX_MATCH' })) : undefined,
            })),
          }),
        },
      });
    }

    if (target) {
      target._acceptReplicationFrom(this);
      // The destination's template and policy must exist before the first image is replicated.
      if (Stack.of(target) !== stack) stack.addStackDependency(Stack.of(target), 'replication destination registry');
    } else {
      const crossAccount = destination.destinationAccount !== undefined && destination.destinationAccount !== stack.account;
      this.unmanagedDestinations.push(`${account}/${region}`);
      Annotations.of(this).addWarningV2('cdk-ecr-blueprints:ContainerRegistry.replicationNotHardened',
        `${label}: the repositories that replication creates in ${account}/${region} get ECR's defaults (mutable tags, AES256, no lifecycle policy) ` +
        'unless that registry has a REPLICATION creation template; declare it as a ContainerRegistry and use ReplicationDestination.registry() to harden them' +
        (crossAccount ? `, and its registry policy must allow ecr:ReplicateImage and ecr:CreateRepository to account ${stack.account}` : ''));
    }
  }

  /**
   * Adds a pull-through cache rule: pulling `<registry>/<prefix>/<upstream repository>` fetches the
   * image from the upstream registry and caches it in a repository that gets the baseline through
   * a PULL_THROUGH_CACHE creation template.
   *
   * @param ecrRepositoryPrefix the namespace of the cached repositories (2-30 characters, or `ROOT`)
   * @param upstream the upstream registry
   * @param options baseline overrides for the cached repositories
   */
  public addPullThroughCache(
    ecrRepositoryPrefix: string, upstream: UpstreamRegistry, options: AddPullThroughCacheOptions = {}): PullThroughCacheRule {
    const { id, ...overrides } = options;
    if (isUnresolved(ecrRepositoryPrefix) && id === undefined) {
      fail(this, 'ecrRepositoryPrefix', ecrRepositoryPrefix, 'a prefix that is a token needs an explicit id (options.id), because the construct id cannot be derived from it');
    }
    return new PullThroughCacheRule(this.group('PullThroughCache'), id ?? ecrRepositoryPrefix, {
      registry: this,
      ecrRepositoryPrefix,
      upstream,
      ...overrides,
    });
  }

  /**
   * Adds a repository creation template, or adds scenarios to the template the registry already
   * has for the prefix (ECR keeps one per prefix). Settings given here (baseline overrides,
   * description, repository policy, tags) replace the registry's baseline for the prefix; giving
   * settings twice for one prefix is an error.
   *
   * @param prefix the repository namespace (`team-a` covers `team-a/*`), or `ROOT` for every repository
   */
  public addCreationTemplate(prefix: string, options: AddCreationTemplateOptions): RepositoryCreationTemplate {
    return this._templateFor(this, prefix, options);
  }

  /**
   * Adds a statement to the registry policy (`AWS::ECR::RegistryPolicy`). Statements name their
   * principals (a `*` principal only with a condition that bounds it to named organizations or accounts), use `ecr:` actions and name
   * repositories of this registry.
   */
  public addToRegistryPolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    if (!this.policyDocument) {
      this.policyDocument = new iam.PolicyDocument();
      new ecr.CfnRegistryPolicy(this, 'Policy', {
        policyText: Lazy.any({ produce: () => this.policyDocument }),
      });
      this.node.addValidation({ validate: () => this.validatePolicy() });
    }
    this.policyDocument.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policyDocument };
  }

  /**
   * Lets another account replicate into this registry: `ecr:ReplicateImage` and
   * `ecr:CreateRepository` on every repository of the registry, in the registry policy. Called
   * for you when the source is a `ContainerRegistry` of the app.
   *
   * @param sourceAccount the 12-digit account id of the source registry
   */
  public allowReplicationFrom(sourceAccount: string): void {
    checkPattern(this, 'sourceAccount', sourceAccount, ACCOUNT_PATTERN, ACCOUNT_RULE);
    if (this.replicationSources.has(sourceAccount)) return;
    this.replicationSources.add(sourceAccount);
    this.addToRegistryPolicy(new iam.PolicyStatement({
      sid: isUnresolved(sourceAccount) ? undefined : `ReplicationFrom${sourceAccount}`,
      principals: [new iam.AccountPrincipal(sourceAccount)],
      actions: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
      resources: [this.repositoryArnForPrefix(ROOT_PREFIX)],
    }));
  }

  /**
   * Lets another account cache images of this registry with an ECR-to-ECR pull-through cache rule:
   * `ecr:BatchGetImage` and `ecr:GetDownloadUrlForLayer` on the repositories under the prefix, in
   * the registry policy (which needs the default V2 registry policy scope). Called for you when the
   * cache is a `ContainerRegistry` of the app.
   *
   * @param cacheAccount the 12-digit account id of the registry that caches the images
   * @param repositoryPrefix the namespace that may be cached, or `ROOT` for every repository
   */
  public allowPullThroughCacheFrom(cacheAccount: string, repositoryPrefix: string = ROOT_PREFIX): void {
    checkPattern(this, 'cacheAccount', cacheAccount, ACCOUNT_PATTERN, ACCOUNT_RULE);
    const key = `${cacheAccount} ${repositoryPrefix}`;
    if (this.pullSources.has(key)) return;
    this.pullSources.add(key);
    this.addToRegistryPolicy(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal(cacheAccount)],
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [this.repositoryArnForPrefix(repositoryPrefix)],
    }));
  }

  /**
   * The ARN that covers every repository under a namespace prefix (`ROOT`: every repository).
   */
  public repositoryArnForPrefix(prefix: string): string {
    return Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: prefixResource(prefix) });
  }

  /**
   * Ensures a template covers a prefix for a scenario (or adds one with the given settings).
   * @internal
   */
  public _templateFor(where: IConstruct, prefix: string, options: AddCreationTemplateOptions): RepositoryCreationTemplate {
    const existing = this.templates.get(prefix);
    if (!existing) {
      if (isUnresolved(prefix) && options.id === undefined) {
        fail(where, 'prefix', prefix, 'a prefix that is a token needs an explicit id (options.id), because the construct id cannot be derived from it');
      }
      const { id, ...rest } = options;
      return new RepositoryCreationTemplate(this.group('Template'), id ?? prefix, { registry: this, prefix, ...rest });
    }
    const replicatedFrom = this.replicatedPrefixes.get(prefix);
    if (replicatedFrom !== undefined && hasOwnSettings(options)) {
      fail(where, 'prefix', prefix,
        `the creation template ${existing.node.path} gives the baseline to the repositories replicated from ${replicatedFrom}; ` +
        'ECR keeps one template per prefix, so settings of their own here would replace the baseline of the replicated repositories; ' +
        'use a prefix of its own (for example "sandbox")');
    }
    existing._addScenarios(where, options.appliedFor);
    if (hasOwnSettings(options)) {
      if (existing._hasOwnSettings) {
        fail(where, 'prefix', prefix,
          `the creation template ${existing.node.path} already has settings for this prefix and ECR keeps one template per prefix; give the settings once`);
      }
      existing._adoptSettings(options);
    }
    return existing;
  }

  /**
   * Records a template; a second template for one prefix is an error.
   * @internal
   */
  public _registerTemplate(template: RepositoryCreationTemplate): void {
    const existing = this.templates.get(template.prefix);
    if (existing) {
      fail(template, 'prefix', template.prefix,
        `the registry already has the creation template ${existing.node.path} for this prefix and ECR keeps one template per prefix; use addCreationTemplate() to combine scenarios`);
    }
    this.templates.set(template.prefix, template);
    // The repositories ECR creates from a template are not CloudFormation resources: stack deletion
    // never deletes them, so the key that encrypts them must stay too.
    if (template.baseline.encryptionKey === this.encryptionKey) {
      this.keepKey(`the creation template ${template.node.path} encrypts with it the repositories ECR creates, which stack deletion never deletes`);
    }
  }

  /**
   * Keeps the registry's own key on stack deletion, whatever the registry's removal policy: no
   * repository may outlive the key that encrypts its images (they could never be read again).
   */
  private keepKey(reason: string): void {
    if (!this.ownsKey || this.removalPolicy === RemovalPolicy.RETAIN || this.keyKept) return;
    this.keyKept = true;
    (this.encryptionKey!.node.defaultChild as CfnResource).applyRemovalPolicy(RemovalPolicy.RETAIN);
    Annotations.of(this).addWarningV2('cdk-ecr-blueprints:ContainerRegistry.keyKept',
      `the registry's key is kept on stack deletion although removalPolicy is ${this.removalPolicy}: ${reason}, ` +
      'and a repository that outlives its key can never be read again');
  }

  /**
   * Records a pull-through cache rule; a second rule for one prefix is an error.
   * @internal
   */
  public _registerPullThroughCache(rule: PullThroughCacheRule): void {
    const existing = this.caches.get(rule.ecrRepositoryPrefix);
    if (existing) {
      fail(rule, 'ecrRepositoryPrefix', rule.ecrRepositoryPrefix, `the registry already has the pull-through cache rule ${existing.node.path} for this prefix`);
    }
    this.caches.set(rule.ecrRepositoryPrefix, rule);
  }

  /**
   * Applies what a replication source needs: a REPLICATION template with the baseline and, across
   * accounts, the registry policy statement.
   * @internal
   */
  public _acceptReplicationFrom(source: ContainerRegistry): void {
    this.sourceRegistries.push(source);
    const existing = this.templates.get(ROOT_PREFIX);
    if (existing?._hasOwnSettings) {
      fail(source, 'replication destination', this.node.path,
        `the destination registry already has the creation template ${existing.node.path} for prefix ROOT with settings of its own ` +
        `(${existing.baseline.tagMutability} tags, ${existing.baseline.lifecycleRules.length} lifecycle rules); ECR keeps one template per prefix, so the ` +
        'repositories replicated here would get those settings instead of the baseline; give that template a prefix of its own (for example "sandbox")');
    }
    this.replicatedPrefixes.set(ROOT_PREFIX, source.node.path);
    this._templateFor(source, ROOT_PREFIX, { appliedFor: [RepositoryCreationScenario.REPLICATION] });
    const sourceAccount = Stack.of(source).account;
    if (sourceAccount !== Stack.of(this).account) this.allowReplicationFrom(sourceAccount);
  }

  /**
   * The role ECR assumes to apply templates that use a customer-managed key or tags; created with
   * the first such template. Its permissions cover the repositories under the templates' prefixes
   * and the templates' keys, rendered at synth.
   * @internal
   */
  public _templateRole(template: RepositoryCreationTemplate): iam.IRole {
    if (!this.role) {
      // A customer-managed policy rather than the role's default (inline) policy: it is rendered
      // at synth from the templates, and inline policies are flagged by the compliance packs. The
      // role lists it (rather than the policy naming the role), so that deleting the stack removes
      // the role with its attachment before the policy.
      this.rolePolicy = new iam.CfnManagedPolicy(this, 'TemplatePolicy', {
        description: `Permissions ECR needs to create repositories from the templates of ${this.node.path}`,
        policyDocument: Lazy.any({ produce: () => this.renderRolePolicy() }),
      });
      this.role = new iam.Role(this, 'TemplateRole', {
        assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com'),
        description: `Lets ECR apply the repository creation templates of ${this.node.path} (KMS encryption, tags)`,
        managedPolicies: [iam.ManagedPolicy.fromManagedPolicyArn(this, 'TemplatePolicyArn', this.rolePolicy.ref)],
      });
    }
    const key = template.baseline.encryptionKey;
    if (key) this.roleKeys.set(key.node.path, key);
    if (!this.rolePrefixes.has(template.prefix)) {
      this.rolePrefixes.add(template.prefix);
      acknowledgeWildcardResource(this.rolePolicy!, this.repositoryArnForPrefix(template.prefix),
        `ECR creates repositories under the template prefix "${template.prefix}" with names chosen at run time ` +
        '(by replication, pull-through cache or push); the prefix wildcard is the narrowest resource that covers them');
    }
    return this.role;
  }

  private renderRolePolicy(): iam.PolicyDocument {
    const prefixes = [...this.rolePrefixes];
    // A ROOT template covers every prefix; the others would only repeat it.
    const covered = prefixes.includes(ROOT_PREFIX) ? [ROOT_PREFIX] : prefixes;
    const document = new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({
        sid: 'CreateRepositoriesUnderTemplatePrefixes',
        actions: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
        resources: covered.map(p => this.repositoryArnForPrefix(p)),
      })],
    });
    if (this.roleKeys.size) {
      document.addStatements(new iam.PolicyStatement({
        sid: 'UseTemplateKeys',
        actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'],
        resources: [...this.roleKeys.values()].map(k => k.keyArn),
      }));
    }
    return document;
  }

  /** One warning per protected image of this registry that replication copies where the app cannot protect it. */
  private warnUnprotectedReplicas(): void {
    if (this.unmanagedDestinations.length === 0) return;
    const mine = Stack.of(this);
    for (const repository of this.node.root.node.findAll()) {
      if (!SecureRepository.isSecureRepository(repository) || Stack.of(repository) !== mine) continue;
      for (const tag of repository.lifecyclePolicy.protectedTags) {
        for (const destination of this.unmanagedDestinations) {
          Annotations.of(repository).addWarningV2(`cdk-ecr-blueprints:replicaNotProtected:${tag}@${destination}`,
            `the image ${tag} of ${repository.node.path} is protected here but replicated to ${destination}, whose lifecycle ` +
            'policy this app does not manage: its replica is not protected there; declare that registry as a ContainerRegistry ' +
            'and replicate with ReplicationDestination.registry() so its REPLICATION template protects the tag');
        }
      }
    }
  }

  private group(id: string): Construct {
    return (this.node.tryFindChild(id) as Construct | undefined) ?? new Construct(this, id);
  }

  private checkSingleton(): void {
    const mine = Stack.of(this);
    for (const other of this.node.root.node.findAll()) {
      if (other === this || !ContainerRegistry.isContainerRegistry(other)) continue;
      const theirs = Stack.of(other);
      if (theirs === mine) {
        fail(this, 'ContainerRegistry', this.node.path,
          `the stack already has the ContainerRegistry ${other.node.path}; a registry is one per account and region, declare it once`);
      }
      const concrete = [mine.account, mine.region, theirs.account, theirs.region].every(v => !Token.isUnresolved(v));
      if (concrete && mine.account === theirs.account && mine.region === theirs.region) {
        fail(this, 'ContainerRegistry', `${mine.account}/${mine.region}`,
          `the ContainerRegistry ${other.node.path} already manages the registry of this account and region; ` +
          'a registry is one per account and region (its scanning, replication and policy resources are registry-wide), declare it once');
      }
    }
  }

  private validatePolicy(): string[] {
    if (!this.policyDocument) return [];
    const stack = Stack.of(this);
    const findings = checkResourcePolicy(resolvedPolicy(this, this.policyDocument), {
      kind: ResourcePolicyKind.REGISTRY,
      subject: `the repositories of the registry ${this.node.path}`,
      registryAccount: isUnresolved(stack.account) ? undefined : stack.account,
      registryRegion: isUnresolved(stack.region) ? undefined : stack.region,
    });
    const errors = reportPolicyFindings(this, 'registry policy', findings);
    const resolved = stack.resolve(this.policyDocument.toJSON());
    const text = JSON.stringify(resolved);
    if (!hasIntrinsics(resolved) && text.length > MAX_REGISTRY_POLICY_CHARS) {
      errors.push(message(this, 'registry policy', `${text.length} characters`, `registry policies are at most ${MAX_REGISTRY_POLICY_CHARS} characters`));
    }
    return errors;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every(x => b.includes(x));
}

/** Groups destinations with the same prefixes into one ECR replication rule, in insertion order. */
function renderRules(destinations: Array<{ account: string; region: string; prefixes: string[] }>): RenderedRule[] {
  const rules: RenderedRule[] = [];
  for (const d of destinations) {
    let rule = rules.find(r => sameSet(r.prefixes, d.prefixes));
    if (!rule) {
      rule = { prefixes: [...d.prefixes], destinations: [] };
      rules.push(rule);
    }
    if (!rule.destinations.some(x => x.region === d.region && x.registryId === d.account)) {
      rule.destinations.push({ region: d.region, registryId: d.account });
    }
  }
  return rules;
}
