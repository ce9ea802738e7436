import { Annotations, Stack, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import type { ContainerRegistry } from './container-registry';
import { RepositoryCreationScenario, RepositoryCreationTemplate } from './repository-creation-template';
import { UpstreamRegistry } from './upstream-registry';
import { ACCOUNT_PATTERN, ACCOUNT_RULE, REPOSITORY_NAME_PATTERN, REPOSITORY_NAME_RULE } from '../private/ecr-rules';
import { acknowledgeWildcardResource } from '../private/nag';
import {
  AZURE_REGISTRY_NAME_PATTERN,
  AZURE_REGISTRY_NAME_RULE,
  PULL_THROUGH_CACHE_SERVICE_ROLE,
  PULL_THROUGH_SECRET_PREFIX,
  prefixResource,
  ROOT_PREFIX,
} from '../private/registry-rules';
import { applyViolations, checkPattern, fail, isUnresolved } from '../private/validate';
import { baselineOverrides } from '../repository/baseline-checks';
import { RepositoryBaseline, RepositoryBaselineProps } from '../repository/repository-baseline';
import { checkRegionName } from '../rules/region';
import { checkPullThroughCachePrefix, checkPullThroughCacheRegion, checkPullThroughCredentialName } from '../rules/registry';

/** Properties of a `PullThroughCacheRule`. Baseline fields override the registry's baseline for the cached repositories. */
export interface PullThroughCacheRuleProps extends RepositoryBaselineProps {
  /** The registry that caches the images; the rule must be in its stack. */
  readonly registry: ContainerRegistry;

  /**
   * The namespace of the cached repositories (2-30 characters, or `ROOT`): pulling
   * `<registry>/<prefix>/<upstream repository>:<tag>` caches `<upstream repository>:<tag>`.
   */
  readonly ecrRepositoryPrefix: string;

  /** The registry images are cached from. */
  readonly upstream: UpstreamRegistry;
}

/**
 * A pull-through cache rule (`AWS::ECR::PullThroughCacheRule`) with the creation template that
 * hardens the repositories it creates.
 *
 * The first pull of `<registry>/<prefix>/<upstream repository>:<tag>` creates the repository
 * and caches the image. The repository gets the registry's baseline (or the overrides given here)
 * through a PULL_THROUGH_CACHE creation template for the prefix: immutable tags, the shared KMS
 * key, the lifecycle policy. With immutable tags, a cached tag stays on the image first pulled,
 * which is what makes deployments reproducible; make a tag such as `latest` mutable
 * (`mutableTags`) if it should follow the upstream.
 *
 * Credentials are checked at synth: upstreams that need one refuse to synth without it, and a
 * secret whose name is known must start with `ecr-pullthroughcache/` and be in the registry's
 * account and region. When the secret is encrypted with a customer-managed key of this app, the
 * key policy lets the pull-through cache service-linked role decrypt it through Secrets Manager.
 */
/**
 * A pull-through cache rule, as `ImageReference.fromPullThroughCache` needs it to name and pull a
 * cached image. `PullThroughCacheRule` implements it; the cached repositories live in the account and
 * region of the stack that holds the rule.
 */
export interface IPullThroughCacheSource extends IConstruct {
  /**
   * The repository prefix of the rule: the image `<upstream repository>` is cached in the repository
   * `<prefix>/<upstream repository>`. `ROOT` means no prefix.
   */
  readonly ecrRepositoryPrefix: string;

  /**
   * The name of the cache repository that holds an upstream repository.
   *
   * @param upstreamRepository the repository as the upstream registry names it
   */
  repositoryNameFor(upstreamRepository: string): string;

  /**
   * The actions a pull through the cache needs on the cached repository: the pull actions, and what
   * the first pull does (create the repository, import the image, tag the repository when the
   * creation template has tags). The one list both `grantPull` of the rule and
   * `ImageReference.fromPullThroughCache` grant.
   */
  cachePullActions(): string[];
}

export class PullThroughCacheRule extends Construct implements IPullThroughCacheSource {
  /** The namespace of the cached repositories. */
  public readonly ecrRepositoryPrefix: string;
  /** The registry images are cached from. */
  public readonly upstream: UpstreamRegistry;
  /** The registry that caches the images. */
  public readonly registry: ContainerRegistry;
  /** The role ECR assumes to reach an ECR upstream. */
  public readonly role?: iam.IRole;
  /** The creation template that hardens the cached repositories. */
  public readonly template: RepositoryCreationTemplate;

  constructor(scope: Construct, id: string, props: PullThroughCacheRuleProps) {
    super(scope, id);
    const { registry, ecrRepositoryPrefix: prefix, upstream } = props;
    this.registry = registry;
    this.ecrRepositoryPrefix = prefix;
    this.upstream = upstream;
    const stack = Stack.of(this);

    if (stack !== Stack.of(registry)) {
      fail(this, 'registry', registry.node.path, 'a pull-through cache rule must be in the stack of its ContainerRegistry');
    }
    applyViolations(this, [
      // cfn-lint E3006: CloudFormation has no AWS::ECR::PullThroughCacheRule in GovCloud and China.
      ...checkPullThroughCacheRegion('region', stack.region),
      ...checkPullThroughCachePrefix('ecrRepositoryPrefix', prefix),
    ]);

    let url: string;
    if (upstream.isEcr) {
      const { account, region } = this.ecrUpstreamEnv();
      url = upstream._url(account, region);
      this.role = upstream.role ?? this.createUpstreamRole(account, region);
    } else {
      url = upstream._url();
      if (upstream.azureRegistryName !== undefined) {
        checkPattern(this, 'azure registryName', upstream.azureRegistryName, AZURE_REGISTRY_NAME_PATTERN, AZURE_REGISTRY_NAME_RULE);
      }
    }
    if (upstream.requiresCredential && !upstream.credential) {
      fail(this, 'credential', upstream.credential,
        `${upstream._factory} needs a Secrets Manager secret with the upstream credentials (username and accessToken) named ecr-pullthroughcache/...`);
    }
    if (upstream.credential) this.checkCredential(upstream.credential);

    const resource = new ecr.CfnPullThroughCacheRule(this, 'Resource', {
      ecrRepositoryPrefix: prefix,
      upstreamRegistry: upstream.registryType,
      upstreamRegistryUrl: url,
      credentialArn: upstream.credential?.secretArn,
      customRoleArn: this.role?.roleArn,
      upstreamRepositoryPrefix: upstream.upstreamRepositoryPrefix,
    });

    this.template = registry._templateFor(this, prefix, {
      appliedFor: [RepositoryCreationScenario.PULL_THROUGH_CACHE],
      // The template of a prefix that is a token is named after the rule.
      id: isUnresolved(prefix) ? this.node.id : undefined,
      ...baselineOverrides(props),
    });
    // The template exists before the first pull can create a repository. (A role the rule uses
    // comes with its policy: the role references the policy and the rule references the role.)
    resource.node.addDependency(this.template);
    registry._registerPullThroughCache(this);
  }

  /** The settings of the cached repositories. */
  public get baseline(): RepositoryBaseline {
    return this.template.baseline;
  }

  /**
   * The name of the cached repository of an upstream repository: `<prefix>/<upstream repository>`
   * (Docker Hub official images get `library/`, as Docker Hub names them).
   *
   * @param upstreamRepository the repository as the upstream names it, for example `library/nginx` or `nginx`
   */
  public repositoryNameFor(upstreamRepository: string): string {
    checkPattern(this, 'upstreamRepository', upstreamRepository, REPOSITORY_NAME_PATTERN, REPOSITORY_NAME_RULE);
    const path = this.upstream._normalizeRepository(upstreamRepository);
    return this.ecrRepositoryPrefix === ROOT_PREFIX ? path : `${this.ecrRepositoryPrefix.replace(/\/$/, '')}/${path}`;
  }

  /**
   * The URI to pull an upstream repository through the cache: `<registry uri>/<prefix>/<upstream repository>`.
   */
  public repositoryUriFor(upstreamRepository: string): string {
    return `${this.registry.registryUri}/${this.repositoryNameFor(upstreamRepository)}`;
  }

  /**
   * The ARN that covers every cached repository of this rule.
   */
  public get cachedRepositoriesArn(): string {
    return this.registry.repositoryArnForPrefix(this.ecrRepositoryPrefix);
  }

  /**
   * Grants what pulling through this cache needs, and nothing else: `ecr:BatchImportUpstreamImage`
   * and `ecr:CreateRepository` (the first pull creates the repository), and the pull actions
   * (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`, `ecr:BatchCheckLayerAvailability`), all on
   * the repositories under the prefix (`ecr:TagResource` as well when the template tags them);
   * plus `ecr:GetAuthorizationToken`, which AWS only grants on `*`.
   */
  public grantPull(grantee: iam.IGrantable): iam.Grant {
    const cache = iam.Grant.addToPrincipal({ grantee, actions: this.cachePullActions(), resourceArns: [this.cachedRepositoriesArn] });
    const token = iam.Grant.addToPrincipal({ grantee, actions: ['ecr:GetAuthorizationToken'], resourceArns: ['*'] });
    return cache.combine(token);
  }

  /**
   * The actions a pull through this cache needs on a cached repository: `ecr:BatchImportUpstreamImage`
   * and `ecr:CreateRepository` (the first pull creates the repository and imports the image), the
   * pull actions, and `ecr:TagResource` when the creation template tags the repositories it creates.
   */
  public cachePullActions(): string[] {
    const actions = [
      'ecr:BatchCheckLayerAvailability',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchGetImage',
      'ecr:BatchImportUpstreamImage',
      'ecr:CreateRepository',
    ];
    if (Object.keys(this.template.resourceTags).length) actions.push('ecr:TagResource');
    return actions;
  }

  private ecrUpstreamEnv(): { account: string; region: string } {
    const upstream = this.upstream;
    const stack = Stack.of(this);
    let account: string;
    let region: string;
    const source = upstream.sourceRegistry;
    if (source) {
      if (source === this.registry) fail(this, 'upstream', source.node.path, 'a registry cannot be its own pull-through cache upstream');
      const other = Stack.of(source);
      if (isUnresolved(other.account) || isUnresolved(other.region)) {
        fail(this, 'upstream', source.node.path, 'the upstream ContainerRegistry needs a stack with a concrete account and region (env), to build its URL');
      }
      account = other.account;
      region = other.region;
    } else {
      account = upstream.ecrAccount!;
      region = upstream.ecrRegion!;
      checkPattern(this, 'upstream account', account, ACCOUNT_PATTERN, ACCOUNT_RULE);
      applyViolations(this, checkRegionName('upstream region', region));
    }
    if (account === stack.account && region === stack.region) {
      fail(this, 'upstream', `${account}/${region}`, 'the upstream is the caching registry itself');
    }
    const upstreamPrefix = upstream.upstreamRepositoryPrefix;
    applyViolations(this, checkPullThroughCachePrefix('upstream repositoryPrefix', upstreamPrefix));
    if (source && account !== stack.account) {
      if (isUnresolved(stack.account)) {
        fail(this, 'registry', this.registry.node.path,
          'caching from a ContainerRegistry of another account needs a concrete account on the caching stack (env), to be written into the upstream registry policy');
      }
      source.allowPullThroughCacheFrom(stack.account, upstreamPrefix ?? ROOT_PREFIX);
    }
    if (source && Stack.of(source) !== stack) stack.addStackDependency(Stack.of(source), 'pull-through cache upstream registry');
    if (!source && account !== stack.account) {
      Annotations.of(this).addWarningV2('cdk-ecr-blueprints:PullThroughCacheRule.upstreamPermissions',
        `the upstream registry ${account}/${region} must let account ${stack.account} pull (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer) ` +
        `the repositories under ${upstreamPrefix ?? ROOT_PREFIX} in its registry or repository policies; with UpstreamRegistry.containerRegistry() this is done for you`);
    }
    return { account, region };
  }

  private createUpstreamRole(account: string, region: string): iam.IRole {
    const upstreamRepositories = Stack.of(this).formatArn({
      service: 'ecr',
      account,
      region,
      resource: 'repository',
      resourceName: prefixResource(this.upstream.upstreamRepositoryPrefix ?? ROOT_PREFIX),
    });
    const cacheRepositories = this.registry.repositoryArnForPrefix(this.ecrRepositoryPrefix);
    // Customer-managed policies rather than the role's default (inline) policy, which the
    // compliance packs flag; the role lists them, so that the role goes first on stack deletion.
    const policy = new iam.ManagedPolicy(this, 'RolePolicy', {
      description: `Permissions ECR needs to cache ${account}/${region} images in ${this.node.path}`,
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadUpstream',
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: [upstreamRepositories],
        }),
        new iam.PolicyStatement({
          sid: 'FillCache',
          actions: [
            'ecr:BatchImportUpstreamImage',
            'ecr:GetImageCopyStatus',
            'ecr:InitiateLayerUpload',
            'ecr:UploadLayerPart',
            'ecr:CompleteLayerUpload',
            'ecr:PutImage',
          ],
          resources: [cacheRepositories],
        }),
      ],
    });
    acknowledgeWildcardResource(policy, upstreamRepositories,
      `the cache reads whichever upstream repository under "${this.upstream.upstreamRepositoryPrefix ?? ROOT_PREFIX}" a puller asks for; ` +
      'the prefix wildcard is the narrowest resource that covers them, and the role only reads there');
    acknowledgeWildcardResource(policy, cacheRepositories,
      `ECR creates the cached repositories under "${this.ecrRepositoryPrefix}" with names chosen at the first pull; ` +
      'the prefix wildcard is the narrowest resource that covers them');
    // ecr:GetAuthorizationToken has no resource-level permission (Service Authorization Reference,
    // Amazon ECR): alone in a policy of its own, acknowledged there and nowhere else.
    const authorization = new iam.ManagedPolicy(this, 'RoleAuthorizationPolicy', {
      description: `ecr:GetAuthorizationToken for the role of ${this.node.path} (the action has no resource-level permission)`,
      statements: [new iam.PolicyStatement({ sid: 'AuthenticateToEcr', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] })],
    });
    Validations.of(authorization).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permission (Service Authorization Reference, Amazon ECR); it is the only action of this policy',
    });
    return new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('pullthroughcache.ecr.amazonaws.com'),
      description: `Lets ECR pull through cache ${this.node.path} read ${account}/${region} and fill the cache`,
      managedPolicies: [policy, authorization],
    });
  }

  private checkCredential(secret: secretsmanager.ISecret): void {
    const stack = Stack.of(this);
    // A secret of this app carries its name in the L1: its secretName attribute is a token even
    // when the name is given, and an unnamed secret resolves to no name (CloudFormation generates one).
    const cfn = secret.node.defaultChild;
    let name = secret.secretName;
    if (cfn instanceof secretsmanager.CfnSecret) {
      const given = Stack.of(cfn).resolve(cfn.name);
      if (given === undefined) {
        fail(this, 'credential secret name', secret.node.path,
          `the secret has a generated name, which never starts with "${PULL_THROUGH_SECRET_PREFIX}"; give it secretName "${PULL_THROUGH_SECRET_PREFIX}<name>"`);
      }
      name = cfn.name!;
    }
    applyViolations(this, checkPullThroughCredentialName('credential secret name', name));
    const { account, region } = secret.env;
    if ((!isUnresolved(account) && !isUnresolved(stack.account) && account !== stack.account)
      || (!isUnresolved(region) && !isUnresolved(stack.region) && region !== stack.region)) {
      fail(this, 'credential secret', secret.secretArn, `the secret must be in the account and region of the cache (${stack.account}/${stack.region}), it is in ${account}/${region}`);
    }

    const key = secret.encryptionKey;
    if (!key) return;
    const keyStack = Stack.of(key);
    const serviceRole = keyStack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: PULL_THROUGH_CACHE_SERVICE_ROLE });
    // The service-linked role may not exist yet when the key policy is written (ECR creates it
    // with the first rule), and KMS rejects key policies naming missing principals; the principal
    // is therefore matched by condition, which KMS does not check for existence.
    const { statementAdded } = key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEcrPullThroughCacheToReadCredentials',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:CallerAccount': keyStack.account,
          'kms:ViaService': `secretsmanager.${keyStack.region}.${keyStack.urlSuffix}`,
        },
        ArnEquals: { 'aws:PrincipalArn': serviceRole },
      },
    }));
    if (!statementAdded) {
      Annotations.of(this).addWarningV2('cdk-ecr-blueprints:PullThroughCacheRule.credentialKey',
        `the credential secret is encrypted with a key this app cannot change (${key.keyArn}); its key policy must let ` +
        `${PULL_THROUGH_CACHE_SERVICE_ROLE} use kms:Decrypt through Secrets Manager, or ECR cannot read the credentials`);
    }
  }
}

