import { Annotations, CfnResource, CfnTag, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import type { ContainerRegistry } from './container-registry';
import { LifecyclePolicy } from '../lifecycle/lifecycle-policy';
import { TagStatus } from '../lifecycle/lifecycle-rule';
import { DeployedImage, DeployedImagePhase, hasConcreteName, isDigestAllowed, onDeployedImages, sameEnvironment } from '../private/deployed-images';
import { flattenTokenString, hasPlaceholder } from '../private/image-uri';
import { hasIntrinsics, reportPolicyFindings, resolvedPolicy } from '../private/policy-checks';
import {
  hasOwnSettings,
  MAX_TEMPLATE_REPOSITORY_POLICY_CHARS,
  ROOT_PREFIX,
} from '../private/registry-rules';
import { applyViolations, at, fail, isUnresolved, message } from '../private/validate';
import { baselineOverrides } from '../repository/baseline-checks';
import { RepositoryBaseline, RepositoryBaselineProps } from '../repository/repository-baseline';
import { SecureRepository } from '../repository/secure-repository';
import { checkTemplateAppliedFor, checkTemplateDescriptionAndTags, checkTemplateKey, checkTemplatePrefix } from '../rules/registry';
import { checkTagsImmutable } from '../rules/repository';
import { checkResourcePolicy, ResourcePolicyKind } from '../rules/resource-policy';

/** The ways ECR creates repositories on its own, which a creation template can apply to. */
export enum RepositoryCreationScenario {
  /** Repositories created in a destination registry by replication. */
  REPLICATION = 'REPLICATION',
  /** Repositories created by a pull-through cache rule on the first pull of an upstream image. */
  PULL_THROUGH_CACHE = 'PULL_THROUGH_CACHE',
  /** Repositories created when an image is pushed to a repository that does not exist yet. */
  CREATE_ON_PUSH = 'CREATE_ON_PUSH',
}

/** The settings of a repository creation template. Baseline fields override the registry's baseline. */
export interface RepositoryCreationTemplateOptions extends RepositoryBaselineProps {
  /** The scenarios the template applies to (1-3, no repeats). */
  readonly appliedFor: RepositoryCreationScenario[];

  /**
   * Description of the template (up to 256 characters).
   *
   * @default - a summary of the settings
   */
  readonly description?: string;

  /**
   * Repository policy given to every repository the template creates. Statements must name their
   * principals, cannot name resources, and a `*` principal needs a condition that bounds it to named
   * organizations or accounts (`StringEquals` on `aws:PrincipalOrgID`, for example).
   *
   * @default - no repository policy
   */
  readonly repositoryPolicy?: iam.PolicyDocument;

  /**
   * Tags given to every repository the template creates (up to 50). Tagging makes ECR use the
   * registry's template role, and principals that pull through a cache need `ecr:TagResource`
   * (`PullThroughCacheRule.grantPull` adds it).
   *
   * @default - no tags
   */
  readonly resourceTags?: { [key: string]: string };
}

/** Options of `ContainerRegistry.addCreationTemplate`. */
export interface AddCreationTemplateOptions extends RepositoryCreationTemplateOptions {
  /**
   * Construct id of the template.
   *
   * @default - the prefix (required when the prefix is a token)
   */
  readonly id?: string;
}

/** Properties of a `RepositoryCreationTemplate`. */
export interface RepositoryCreationTemplateProps extends RepositoryCreationTemplateOptions {
  /** The registry the template belongs to; the template must be in its stack. */
  readonly registry: ContainerRegistry;

  /**
   * The repository namespace the template applies to: `team-a` covers `team-a/*`, and `ROOT`
   * covers every repository that no more specific template covers.
   */
  readonly prefix: string;
}

/**
 * A repository creation template (`AWS::ECR::RepositoryCreationTemplate`): the settings ECR gives
 * to repositories it creates itself, by replication, pull-through cache or create-on-push. Without
 * one, those repositories get mutable tags, AES256 and no lifecycle policy.
 *
 * The template renders its `RepositoryBaseline` the same way `SecureRepository` does: tag
 * mutability and exclusion filters, encryption with the full key ARN, and the lifecycle policy
 * text. Templates that use a customer-managed key or tags get the registry's template role.
 *
 * ECR keeps one template per prefix. A registry merges the scenarios of its features into the
 * template of a prefix (for example REPLICATION into a `ROOT` template created for
 * CREATE_ON_PUSH); two templates with settings of their own for one prefix are an error.
 */
export class RepositoryCreationTemplate extends Construct {
  /** The repository namespace prefix. */
  public readonly prefix: string;
  /** The registry the template belongs to. */
  public readonly registry: ContainerRegistry;

  private readonly scenarios = new Set<RepositoryCreationScenario>();
  private settings: TemplateSettings;
  private readonly tagProtections = new Map<string, string>();
  /** Images of repositories this template creates, deployed by digest alone, with who deploys them. */
  private readonly unprotectedDigests = new Map<string, string>();

  constructor(scope: Construct, id: string, props: RepositoryCreationTemplateProps) {
    super(scope, id);
    const { registry, prefix, appliedFor, description, repositoryPolicy, resourceTags, ...overrides } = props;
    this.registry = registry;
    this.prefix = prefix;

    if (Stack.of(this) !== Stack.of(registry)) {
      fail(this, 'registry', registry.node.path, 'a creation template must be in the stack of its ContainerRegistry');
    }
    applyViolations(this, checkTemplatePrefix('prefix', prefix));
    this._addScenarios(this, appliedFor);
    this.settings = this.makeSettings({ appliedFor, description, repositoryPolicy, resourceTags, ...overrides });

    new ecr.CfnRepositoryCreationTemplate(this, 'Resource', {
      prefix,
      appliedFor: Lazy.list({ produce: () => this.appliedFor }),
      description: Lazy.string({ produce: () => this.settings.description ?? this.defaultDescription() }),
      imageTagMutability: Lazy.string({ produce: () => this.baseline.tagMutability }),
      imageTagMutabilityExclusionFilters: Lazy.any({ produce: () => this.baseline._mutabilityFilters() }),
      encryptionConfiguration: Lazy.any({
        produce: () => ({ encryptionType: this.baseline.encryption.value, kmsKey: this.baseline.encryptionKey?.keyArn }),
      }),
      lifecyclePolicy: Lazy.string({
        // An invalid policy renders nothing here (token resolution must not throw); validateTemplate reports it.
        produce: () => this.baseline.lifecycleRules.length === 0 ? undefined
          : this.lifecyclePolicy()._renderIfValid(obj => Stack.of(this).toJsonString(obj)),
      }),
      repositoryPolicy: Lazy.string({
        produce: () => this.settings.repositoryPolicy ? Stack.of(this).toJsonString(this.settings.repositoryPolicy) : undefined,
      }),
      resourceTags: Lazy.any({ produce: () => this.renderTags() }, { omitEmptyArray: true }),
      customRoleArn: Lazy.string({ produce: () => this.needsCustomRole ? this.registry.templateRole?.roleArn : undefined }),
    });

    registry._registerTemplate(this);
    if (this.needsCustomRole) registry._templateRole(this);
    this.node.addValidation({ validate: () => this.validateTemplate() });
    onDeployedImages(this, DeployedImagePhase.TEMPLATE, images => this.protectDeployed(images));
  }

  /**
   * Guarantees that an image carrying `tag` in a repository this template creates is never expired
   * or archived by the template's lifecycle rules (see `LifecyclePolicy.protectTag`). The template
   * protects by itself the tags the app deploys from the repositories it creates, and, for
   * replication, every tag the source repositories of the app protect.
   *
   * @param tag an exact image tag
   * @param reason why the tag is protected
   */
  public protectTag(tag: string, reason?: string): void {
    try {
      new LifecyclePolicy().protectTag(tag, reason);
    } catch (e) {
      throw new Error(`${this.node.path}: ${(e as Error).message.replace(/^LifecyclePolicy\.protectTag: /, '')}`);
    }
    if (!this.tagProtections.has(tag) || reason) this.tagProtections.set(tag, reason ?? this.tagProtections.get(tag) ?? 'protected tag');
  }

  /** The tags protected in the repositories this template creates. */
  public get protectedTags(): string[] {
    return [...this.tagProtections.keys()];
  }

  /** The lifecycle policy the repositories this template creates get: the baseline's rules and the protected tags. */
  public lifecyclePolicy(): LifecyclePolicy {
    const policy = this.baseline.lifecyclePolicy();
    for (const [tag, reason] of this.tagProtections) policy.protectTag(tag, reason);
    return policy;
  }

  /** Whether a repository name falls under this template's prefix (ROOT: every name). */
  private covers(repositoryName: string | undefined): boolean {
    if (this.prefix === ROOT_PREFIX || repositoryName === undefined || isUnresolved(this.prefix)) return true;
    return repositoryName.startsWith(`${this.prefix}/`);
  }

  private protectDeployed(images: DeployedImage[]): void {
    const all = this.node.root.node.findAll();
    const repositories = all.filter(c => SecureRepository.isSecureRepository(c)) as SecureRepository[];
    if (this.scenarios.has(RepositoryCreationScenario.REPLICATION)) {
      // Replicas carry the tags of their source repositories, and lifecycle rules cannot select by
      // repository: every tag a replicated repository protects is protected here.
      for (const source of this.registry._replicationSources) {
        for (const repository of repositories) {
          if (!sameStack(repository, source)) continue;
          if (!this.covers(repository._concreteName)) continue;
          for (const tag of repository.lifecyclePolicy.protectedTags) this.protectTag(tag, `replica of ${repository.node.path}`);
        }
      }
    }
    // Images deployed in this registry from repositories the app does not define are replicas or
    // cached images, which the template creates.
    const defined = new Set<string>();
    for (const c of all) {
      const cfn = c as any;
      const name = SecureRepository.isSecureRepository(c) ? c._concreteName
        : (CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::ECR::Repository' ? cfn.repositoryName : undefined);
      if (typeof name === 'string' && !isUnresolved(name) && sameStack(c, this)) defined.add(name);
    }
    const covered = new Set(repositories.flatMap(r => r.protectedDigests));
    for (const image of images) {
      const mine = hasConcreteName(image) && sameEnvironment(this, image) && !defined.has(image.repositoryName) && this.covers(image.repositoryName);
      if (!mine) continue;
      if (image.tag !== undefined && !hasPlaceholder(image.tag)) {
        if (!this.tagProtections.has(image.tag)) this.protectTag(image.tag, image.consumer);
      } else if (image.digest !== undefined && !hasPlaceholder(image.digest) && !covered.has(image.digest) && !isDigestAllowed(this, image.digest)) {
        this.unprotectedDigests.set(image.digest, `${image.consumer} (${image.repositoryName}@${image.digest})`);
      }
    }
  }

  /** The settings the template gives to the repositories it creates. */
  public get baseline(): RepositoryBaseline {
    return this.settings.baseline;
  }

  /** The scenarios the template applies to. */
  public get appliedFor(): RepositoryCreationScenario[] {
    return Object.values(RepositoryCreationScenario).filter(s => this.scenarios.has(s));
  }

  /** The tags given to the repositories the template creates. */
  public get resourceTags(): { [key: string]: string } {
    return { ...this.settings.resourceTags };
  }

  /**
   * Whether ECR needs the registry's template role to apply this template: a customer-managed
   * key or tags.
   */
  public get needsCustomRole(): boolean {
    return this.baseline.encryptionKey !== undefined || Object.keys(this.settings.resourceTags).length > 0;
  }

  /**
   * Whether the settings were given for this template (as opposed to the registry's baseline
   * applied for a feature that needs a template).
   * @internal
   */
  public get _hasOwnSettings(): boolean {
    return this.settings.own;
  }

  /**
   * Adds scenarios (a feature of the registry that needs this prefix covered).
   * @internal
   */
  public _addScenarios(where: IConstruct, appliedFor: RepositoryCreationScenario[]): void {
    applyViolations(where, checkTemplateAppliedFor('appliedFor', appliedFor));
    for (const scenario of appliedFor) this.scenarios.add(scenario);
  }

  /**
   * Replaces registry-default settings with settings of their own (a feature with explicit
   * settings took over the prefix).
   * @internal
   */
  public _adoptSettings(options: RepositoryCreationTemplateOptions): void {
    this.settings = this.makeSettings(options);
    if (this.needsCustomRole) this.registry._templateRole(this);
  }

  private makeSettings(options: RepositoryCreationTemplateOptions): TemplateSettings {
    const own = hasOwnSettings(options);
    const { description, repositoryPolicy, resourceTags } = options;
    const overrides = baselineOverrides(options);
    const baseline = at(this, () => this.registry.baseline.withOverrides(overrides));
    const tags = { ...resourceTags ?? {} };
    applyViolations(this, checkTemplateDescriptionAndTags(description, tags));
    // The policy is checked now, so that its errors name this template and reach the caller.
    if (baseline.lifecycleRules.length) at(this, () => baseline.lifecyclePolicy())._attach(this);
    const settings = { baseline, description, repositoryPolicy, resourceTags: tags, own };
    this.checkKey(baseline);
    return settings;
  }

  private checkKey(baseline: RepositoryBaseline): void {
    const key = baseline.encryptionKey;
    if (!key) return;
    applyViolations(this, checkTemplateKey('encryptionKey', key.keyArn, key.env.region, Stack.of(this).region));
  }

  private renderTags(): CfnTag[] | undefined {
    const tags = this.settings.resourceTags;
    const keys = Object.keys(tags).sort();
    return keys.length ? keys.map(key => ({ key, value: tags[key] })) : undefined;
  }

  private defaultDescription(): string {
    const b = this.baseline;
    const encryption = b.encryptionKey ? `${b.encryption.value} with a customer-managed key` : b.encryption.value;
    const lifecycle = b.lifecycleRules.length ? `${b.lifecycleRules.length} lifecycle rules` : 'no lifecycle policy';
    return `cdk-ecr-blueprints baseline: ${b.tagMutability} tags, ${encryption}, ${lifecycle}`;
  }

  private validateTemplate(): string[] {
    const errors: string[] = [];
    // The same two rules as a repository: the exclusion modes here, the MUTABLE modes in src/rules.
    const mutability = this.baseline._tagMutabilityWarning() ?? checkTagsImmutable('immutableTags', this.baseline.tagMutability)[0]?.rule;
    if (mutability) {
      Annotations.of(this).addWarningV2('cdk-ecr-blueprints:tagMutabilityControls',
        `${mutability}, and ECR applies this template to the repositories it creates`);
    }
    if (this.baseline.lifecycleRules.length) {
      const lifecycle = this.lifecyclePolicy();
      errors.push(...lifecycle.validate(this.node.path));
      // A repository created from upstream or by replication holds an image pulled by digest
      // untagged as far as this template knows: only a rule that selects untagged images can act on it.
      const rule = lifecycle.resolvedRules().find(r => r.tagStatus !== TagStatus.TAGGED);
      for (const [digest, consumer] of this.unprotectedDigests) {
        if (!rule) break;
        errors.push(message(this, 'deployed image digest', digest,
          `${consumer} deploys this image by digest alone, and rule ${rule.priority} "${rule.description ?? rule.tagStatus}" of this template ` +
          'can expire an image without a tag; reference the image by tag (it can then be protected), ' +
          'drop the rule from the lifecycleRules of this template, or accept the risk with allowUnprotectedDigest: true on the ImageReference'));
      }
    }
    const policy = this.settings.repositoryPolicy;
    if (policy) {
      errors.push(...reportPolicyFindings(this, 'repositoryPolicy', checkResourcePolicy(resolvedPolicy(this, policy), {
        kind: ResourcePolicyKind.REPOSITORY,
        subject: `the repositories created by the template for prefix ${this.prefix}`,
      })));
      const resolved = Stack.of(this).resolve(policy.toJSON());
      const text = JSON.stringify(resolved);
      if (!hasIntrinsics(resolved) && text.length > MAX_TEMPLATE_REPOSITORY_POLICY_CHARS) {
        errors.push(message(this, 'repositoryPolicy', `${text.length} characters`,
          `a template repository policy is at most ${MAX_TEMPLATE_REPOSITORY_POLICY_CHARS} characters`));
      }
    }
    if (!Token.isUnresolved(this.prefix) && this.appliedFor.length === 0) {
      errors.push(message(this, 'appliedFor', [], 'a template must apply to at least one scenario'));
    }
    return errors;
  }
}

/** Whether two constructs are in the same account and region (as strings compare). */
function sameStack(a: IConstruct, b: IConstruct): boolean {
  const x = Stack.of(a);
  const y = Stack.of(b);
  const env = (s: Stack) => `${flattenTokenString(s.account)}/${flattenTokenString(s.region)}`;
  return x === y || env(x) === env(y);
}

interface TemplateSettings {
  readonly baseline: RepositoryBaseline;
  readonly description?: string;
  readonly repositoryPolicy?: iam.PolicyDocument;
  readonly resourceTags: { [key: string]: string };
  readonly own: boolean;
}
