import { LifecycleAction, LifecycleStorageClass } from './lifecycle-rule';

/**
 * An image in a repository, as `LifecyclePolicy.evaluate()` sees it. The fields mirror what
 * `aws ecr describe-images` reports (`imageDetails`).
 */
export interface LifecycleImage {
  /** The manifest digest (`imageDigest`), for example `sha256:4f1c...`. Unique in the list. */
  readonly digest: string;

  /**
   * The image's tags (`imageTags`). A tag names at most one image in a repository.
   *
   * @default - untagged
   */
  readonly tags?: string[];

  /** When the image was pushed (`imagePushedAt`). */
  readonly pushedAt: Date;

  /**
   * When ECR last recorded a pull of the image (`lastRecordedPullTime`).
   *
   * @default - never pulled: `sinceImagePulled` rules count from the push (or the last restore)
   */
  readonly lastPulledAt?: Date;

  /**
   * The storage class the image is in (`imageStatus` ACTIVE is standard, ARCHIVED is archive).
   *
   * @default LifecycleStorageClass.STANDARD
   */
  readonly storageClass?: LifecycleStorageClass;

  /**
   * When the image was last moved to the archive storage class (`lastArchivedAt`).
   *
   * @default - unknown: an archived image without it is never expired by `sinceImageTransitioned` rules
   */
  readonly transitionedAt?: Date;

  /**
   * When the image was last restored from the archive (`lastActivatedAt`). ECR then treats it like a
   * newly pushed image: this time replaces the push time for age and count rules.
   *
   * @default - never restored
   */
  readonly restoredAt?: Date;

  /**
   * The image size in bytes (`imageSizeInBytes`), used for the totals of a preview.
   *
   * @default - unknown
   */
  readonly sizeInBytes?: number;

  /**
   * For a reference artifact (a signature, SBOM or attestation attached to an image), the digest of
   * its subject image (`subjectManifestDigest`). ECR does not select reference artifacts by rule: it
   * expires or archives them after their subject.
   *
   * @default - not a reference artifact
   */
  readonly subjectDigest?: string;

  /**
   * Whether a manifest list (image index) in the repository references this image, as the platform
   * images of a multi-architecture image are. ECR never expires or archives such an image before the
   * manifest list is gone, so the evaluator leaves it alone.
   *
   * @default false
   */
  readonly referencedByManifestList?: boolean;
}

/**
 * What a lifecycle policy does to one image (`LifecyclePolicy.evaluate()`). Images without a result
 * are kept.
 */
export interface LifecycleEvaluationResult {
  /** The image digest. */
  readonly digest: string;

  /** The image's tags (empty when untagged). */
  readonly tags: string[];

  /** Expire (delete) the image, or transition it to the archive storage class. */
  readonly action: LifecycleAction;

  /** The priority of the rule that decided it (for a reference artifact, the rule that decided its subject). */
  readonly rulePriority: number;

  /**
   * The description of that rule.
   *
   * @default - the rule has no description
   */
  readonly ruleDescription?: string;

  /** The storage class the image is in before the action. */
  readonly storageClass: LifecycleStorageClass;

  /** When the image was pushed. */
  readonly pushedAt: Date;

  /**
   * The image size in bytes.
   *
   * @default - unknown
   */
  readonly sizeInBytes?: number;

  /** Why the rule selected the image, in words (for example `pushed 40 days ago, more than 30`). */
  readonly reason: string;
}
