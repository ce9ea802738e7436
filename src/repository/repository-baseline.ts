import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { LifecyclePolicy } from '../lifecycle/lifecycle-policy';
import { LifecycleRule } from '../lifecycle/lifecycle-rule';
import { MAX_MUTABILITY_FILTERS, MUTABILITY_FILTER_PATTERN, MUTABILITY_FILTER_RULE } from '../private/ecr-rules';
import { checkCount, checkPattern, checkUnique, fail, isUnresolved, Where } from '../private/validate';
import { wildcardMatch } from '../private/wildcard';

/**
 * The hardening settings of a repository. Every field is optional; what is left out gets the
 * secure default.
 */
export interface RepositoryBaselineProps {
  /**
   * Whether image tags are immutable: once a tag is pushed it cannot be moved to another image.
   *
   * @default true
   */
  readonly immutableTags?: boolean;

  /**
   * Tag filters (`*` wildcards allowed, 1-5 filters) that stay mutable in an immutable repository,
   * for example `['latest']`. Renders `IMMUTABLE_WITH_EXCLUSION`.
   *
   * @default - no tag is mutable
   */
  readonly mutableTags?: string[];

  /**
   * Tag filters that stay immutable in a repository whose tags are otherwise mutable
   * (`immutableTags: false`). Renders `MUTABLE_WITH_EXCLUSION`.
   *
   * @default - every tag is mutable when `immutableTags` is false
   */
  readonly immutableTagPatterns?: string[];

  /**
   * Server-side encryption.
   *
   * @default - KMS with a customer-managed key (see `encryptionKey`)
   */
  readonly encryption?: ecr.RepositoryEncryption;

  /**
   * Customer-managed KMS key for the repositories.
   *
   * @default - a `SecureRepository` creates a key with rotation enabled; a `ContainerRegistry` shares one key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Encrypt with the AWS-managed `aws/ecr` key instead of a customer-managed one. The AWS-managed
   * key cannot be rotated on your schedule, shared in a key policy, or disabled by you.
   *
   * @default false
   */
  readonly awsManagedKey?: boolean;

  /**
   * Scan every image on push (basic scanning). When a registry-wide scanning configuration exists,
   * it takes precedence over this setting.
   *
   * @default true
   */
  readonly scanOnPush?: boolean;

  /**
   * Lifecycle rules. An empty list means no lifecycle policy.
   *
   * @default - `RepositoryBaseline.DEFAULT_LIFECYCLE_RULES`: expire untagged images after 14 days, keep the newest 100 tagged images
   */
  readonly lifecycleRules?: LifecycleRule[];
}

/**
 * The hardening applied to every repository of a registry: tag immutability, KMS encryption,
 * scanning and a lifecycle policy.
 *
 * The same value configures `SecureRepository` and the repository creation templates of a
 * `ContainerRegistry`, so that repositories created by replication or pull-through cache get the
 * same settings as the ones declared in code.
 */
export class RepositoryBaseline {
  /** Untagged images expire after this many days by default. */
  public static readonly DEFAULT_UNTAGGED_EXPIRY_DAYS = 14;
  /** The newest this-many tagged images are kept by default. */
  public static readonly DEFAULT_TAGGED_IMAGES_KEPT = 100;

  /**
   * The default lifecycle rules: expire untagged images 14 days after push, then keep the newest 100
   * tagged images. Tags protected with `protectTag()` are never expired by them.
   */
  public static defaultLifecycleRules(): LifecycleRule[] {
    return [
      LifecycleRule.expireUntaggedAfter(RepositoryBaseline.DEFAULT_UNTAGGED_EXPIRY_DAYS),
      LifecycleRule.keepNewest(RepositoryBaseline.DEFAULT_TAGGED_IMAGES_KEPT, { tagPatterns: ['*'] }),
    ];
  }

  /** Whether tags are immutable (with `mutableTags` as exceptions). */
  public readonly immutableTags: boolean;
  /** Tag filters excluded from immutability. */
  public readonly mutableTags: string[];
  /** Tag filters that stay immutable in a mutable repository. */
  public readonly immutableTagPatterns: string[];
  /** Server-side encryption type. */
  public readonly encryption: ecr.RepositoryEncryption;
  /** The customer-managed key, when one was given. */
  public readonly encryptionKey?: kms.IKey;
  /** Whether the AWS-managed `aws/ecr` key is used instead of a customer-managed key. */
  public readonly awsManagedKey: boolean;
  /** Whether images are scanned on push. */
  public readonly scanOnPush: boolean;
  /** Lifecycle rules; empty for no lifecycle policy. */
  public readonly lifecycleRules: LifecycleRule[];

  constructor(props: RepositoryBaselineProps = {}) {
    this.immutableTags = props.immutableTags ?? true;
    this.mutableTags = [...props.mutableTags ?? []];
    this.immutableTagPatterns = [...props.immutableTagPatterns ?? []];
    this.encryption = props.encryption ?? ecr.RepositoryEncryption.KMS;
    this.encryptionKey = props.encryptionKey;
    this.awsManagedKey = props.awsManagedKey ?? false;
    this.scanOnPush = props.scanOnPush ?? true;
    this.lifecycleRules = [...props.lifecycleRules ?? RepositoryBaseline.defaultLifecycleRules()];
    this._validate('RepositoryBaseline');
  }

  /**
   * A copy of this baseline with some settings replaced. Only the fields given change; to clear the
   * mutable tags of a baseline, pass `mutableTags: []`.
   */
  public withOverrides(overrides: RepositoryBaselineProps): RepositoryBaseline {
    const immutableTags = overrides.immutableTags ?? this.immutableTags;
    return new RepositoryBaseline({
      immutableTags,
      // Switching mutability mode drops the exception list of the other mode.
      mutableTags: overrides.mutableTags ?? (immutableTags ? this.mutableTags : []),
      immutableTagPatterns: overrides.immutableTagPatterns ?? (immutableTags ? [] : this.immutableTagPatterns),
      encryption: overrides.encryption ?? this.encryption,
      encryptionKey: overrides.encryptionKey ??
        (overrides.encryption === ecr.RepositoryEncryption.AES_256 || overrides.awsManagedKey ? undefined : this.encryptionKey),
      awsManagedKey: overrides.awsManagedKey ??
        (overrides.encryptionKey || overrides.encryption === ecr.RepositoryEncryption.AES_256 ? false : this.awsManagedKey),
      scanOnPush: overrides.scanOnPush ?? this.scanOnPush,
      lifecycleRules: overrides.lifecycleRules ?? this.lifecycleRules,
    });
  }

  /** The tag mutability mode ECR receives. */
  public get tagMutability(): ecr.TagMutability {
    if (this.immutableTags) {
      return this.mutableTags.length ? ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION : ecr.TagMutability.IMMUTABLE;
    }
    return this.immutableTagPatterns.length ? ecr.TagMutability.MUTABLE_WITH_EXCLUSION : ecr.TagMutability.MUTABLE;
  }

  /**
   * The warning for a tag mutability that compliance controls reject, or undefined for IMMUTABLE.
   * @internal
   */
  public _tagMutabilityWarning(): string | undefined {
    const mode = this.tagMutability;
    // MUTABLE modes get the immutableTags warning of src/rules (ECRB-REPO-MUTABLE-TAGS), which names the same controls.
    if (mode !== ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION) return undefined;
    return `tag mutability ${mode}${this.mutableTags.length ? ` (mutable: ${this.mutableTags.join(', ')})` : ''} fails the AWS Control Tower control ` +
      'CT.ECR.PR.3, AWS Security Hub ECR.2 and the AWS Config rule ecr-private-tag-immutability-enabled, which accept only IMMUTABLE ' +
      '(they treat IMMUTABLE_WITH_EXCLUSION as mutable); in an account governed by these controls the deployment is refused';
  }

  /** True when the encryption uses a KMS key (customer-managed or the AWS-managed `aws/ecr` key). */
  public get usesKms(): boolean {
    return this.encryption !== ecr.RepositoryEncryption.AES_256;
  }

  /** True when images are encrypted with a customer-managed key (given, or created for the repository). */
  public get usesCustomerManagedKey(): boolean {
    return this.usesKms && !this.awsManagedKey;
  }

  /**
   * Whether a tag can be moved to another image under this baseline: true in a mutable repository
   * unless an immutable pattern matches, false in an immutable one unless a mutable filter matches.
   * A tag that is an unresolved token is treated as mutable (it cannot be proven otherwise).
   */
  public isTagMutable(tag: string): boolean {
    if (isUnresolved(tag)) return true;
    if (this.immutableTags) return this.mutableTags.some(f => !isUnresolved(f) && wildcardMatch(f, tag));
    return !this.immutableTagPatterns.some(f => !isUnresolved(f) && wildcardMatch(f, tag));
  }

  /** A new lifecycle policy holding this baseline's rules. */
  public lifecyclePolicy(): LifecyclePolicy {
    return new LifecyclePolicy({ rules: this.lifecycleRules });
  }

  /**
   * The exclusion filters for `imageTagMutabilityExclusionFilters`.
   * @internal
   */
  public _mutabilityFilters(): ecr.CfnRepository.ImageTagMutabilityExclusionFilterProperty[] | undefined {
    const filters = this.immutableTags ? this.mutableTags : this.immutableTagPatterns;
    return filters.length ? filters.map(filter => ({
      imageTagMutabilityExclusionFilterType: 'WILDCARD',
      imageTagMutabilityExclusionFilterValue: filter,
    })) : undefined;
  }

  /**
   * Checks the settings against ECR's rules.
   * @internal
   */
  public _validate(where: Where): void {
    if (this.immutableTags && this.immutableTagPatterns.length) {
      fail(where, 'immutableTagPatterns', this.immutableTagPatterns,
        'immutable tag patterns only apply when immutableTags is false (every tag is already immutable)');
    }
    if (!this.immutableTags && this.mutableTags.length) {
      fail(where, 'mutableTags', this.mutableTags,
        'mutable tags only apply when immutableTags is true (every tag is already mutable); use immutableTagPatterns instead');
    }
    for (const [property, filters] of [['mutableTags', this.mutableTags], ['immutableTagPatterns', this.immutableTagPatterns]] as const) {
      if (!filters.length) continue;
      checkCount(where, property, filters, 1, MAX_MUTABILITY_FILTERS);
      checkUnique(where, property, filters);
      for (const filter of filters) checkPattern(where, property, filter, MUTABILITY_FILTER_PATTERN, MUTABILITY_FILTER_RULE);
    }
    if (this.awsManagedKey && !this.usesKms) {
      fail(where, 'awsManagedKey', this.awsManagedKey, 'the AWS-managed key needs KMS encryption (encryption is AES256)');
    }
    if (this.awsManagedKey && this.encryptionKey) {
      fail(where, 'encryptionKey', keyAsGiven(this.encryptionKey), 'give a customer-managed key or awsManagedKey: true, not both');
    }
    if (this.encryptionKey && !this.usesKms) {
      fail(where, 'encryptionKey', keyAsGiven(this.encryptionKey),
        'an encryption key needs KMS encryption (encryption is AES256); drop the key or use RepositoryEncryption.KMS');
    }
  }
}

/** A key as the user gave it: the ARN of an imported key, the construct path of a key made in the app (whose ARN is a token). */
function keyAsGiven(key: kms.IKey): string {
  return isUnresolved(key.keyArn) ? key.node.path : key.keyArn;
}
