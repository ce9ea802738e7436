import { Annotations, Arn, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { allowDigest } from '../private/deployed-images';
import { REPOSITORY_NAME_PATTERN, REPOSITORY_NAME_RULE } from '../private/ecr-rules';
import { TagMutabilityKnowledge, tagMutabilityOf } from '../private/tag-mutability';
import { applyViolations, BlueprintValidationError, checkLength, checkPattern, fail, isUnresolved } from '../private/validate';
import { IPullThroughCacheSource } from '../registry/pull-through-cache-rule';
import { SecureRepository } from '../repository/secure-repository';
import { checkDeployedTag, checkImageDigest, checkImageTag, checkLatestTag } from '../rules/ecs';

/**
 * Which image of a repository to run: a `tag` or a `digest`; with `ImageReference.fromRepository`,
 * both (the digest pins the image and the tag protects it).
 */
export interface ImageReferenceOptions {
  /**
   * An image tag (1-128 characters of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`).
   *
   * The tag must be immutable in the repository (see `allowMutableTag`). When the repository is a
   * `SecureRepository` of the app, the tag is protected from its lifecycle rules as soon as a task
   * definition uses the image.
   *
   * @default - none; give `tag` or `digest`
   */
  readonly tag?: string;

  /**
   * An image digest, `sha256:` followed by 64 lowercase hexadecimal characters.
   *
   * A digest always names the same image, but ECR lifecycle rules select images by tag only. With
   * `ImageReference.fromRepository`, give the image's `tag` as well: the URI pins the digest and the
   * tag is protected (the rule that protects it names the digest). A digest alone in a
   * `SecureRepository` with lifecycle rules fails synth, unless `allowUnprotectedDigest` is true.
   *
   * @default - none; give `tag` or `digest` (or both, with `fromRepository`)
   */
  readonly digest?: string;

  /**
   * Accept that an image referenced by digest alone can be expired by the lifecycle rules of its
   * repository (or of the cache repository, for a pull-through cached image).
   *
   * @default false - synth fails when the rules can expire the image
   */
  readonly allowUnprotectedDigest?: boolean;

  /**
   * Accept a tag that can be moved to another image (a MUTABLE repository, a tag matching the
   * mutable exclusions of an immutable one, any tag of an upstream registry behind a pull-through
   * cache, or `latest` in a repository whose settings are unknown). The task then runs whatever
   * image carried the tag when the task started.
   *
   * @default false
   */
  readonly allowMutableTag?: boolean;
}


/** Actions a task's execution role needs to pull an image that is already in a repository. */
const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];


interface ImageReferenceSpec {
  readonly imageUri: string;
  readonly repositoryArn: string;
  readonly repositoryName: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly repository?: ecr.IRepository;
  readonly cacheSource?: IPullThroughCacheSource;
  readonly allowUnprotectedDigest?: boolean;
  /** An image outside ECR (by digest): nothing to grant, nothing to protect. */
  readonly external?: boolean;
}

/** `<registry host>/<path>@sha256:<64 hex>`: an image name pinned by digest. */
const EXTERNAL_IMAGE_PATTERN = /([a-z0-9.-]+(:[0-9]+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*@sha256:[a-f0-9]{64}/;
const EXTERNAL_IMAGE_RULE = 'images outside ECR are pinned by digest: <registry>/<repository>@sha256:<64 lowercase hexadecimal characters>';
/** Private ECR registry hosts: their images go through fromRepository, which grants and protects. */
const PRIVATE_ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

/**
 * An image pinned by an immutable tag or a digest, in a repository of the app, an imported
 * repository, or a pull-through cache of an upstream registry.
 *
 * It knows its image URI, grants exactly the pull it needs (`grantPull`) and turns into an
 * `ecs.ContainerImage` (`toContainerImage`) whose binding grants that pull to the task's
 * execution role and protects the tag from the lifecycle rules of a `SecureRepository`.
 *
 * A tag that can be moved to another image is rejected, because the task would run whatever
 * image was pushed last under it, unless `allowMutableTag` is true. What "can be moved" means:
 * - `SecureRepository`: `isTagMutable(tag)` (its immutability and mutable exclusions);
 * - a repository defined in the app (`ecr.Repository`): its `imageTagMutability` and exclusion
 *   filters; aws-cdk-lib's default, MUTABLE, makes every tag mutable;
 * - an imported repository, whose settings are unknown: only `latest` is rejected;
 * - a pull-through cache: every tag (the upstream publisher can move it and the cache follows);
 *   use a digest.
 * A tag held in an unresolved token cannot be checked or protected; a warning says so. A digest
 * alone cannot be protected by lifecycle rules (they select by tag): where rules can expire it,
 * synth fails unless the tag is given too or `allowUnprotectedDigest` is true.
 */
export class ImageReference {
  /**
   * An image of an ECR repository, by tag or digest.
   *
   * @param repository the repository (a `SecureRepository`, an `ecr.Repository` or an imported one)
   * @param options `tag`, `digest`, or both (the URI then pins the digest and the tag protects it)
   */
  public static fromRepository(repository: ecr.IRepository, options: ImageReferenceOptions): ImageReference {
    const { tag, digest } = checkTagOrDigest(repository, options, true);
    if (tag !== undefined && !options.allowMutableTag) {
      const known = SecureRepository.isSecureRepository(repository)
        ? (isUnresolved(tag) ? TagMutabilityKnowledge.UNKNOWN
          : repository.isTagMutable(tag) ? TagMutabilityKnowledge.MUTABLE : TagMutabilityKnowledge.IMMUTABLE)
        : tagMutabilityOf(repository, tag);
      // The rule the app-wide checks apply to templates (src/rules/ecs.ts), with this construct's opt-out.
      const [refused] = checkDeployedTag('tag', tag, known);
      if (refused) throw new BlueprintValidationError(repository, 'tag', tag, `${refused.rule}, or set allowMutableTag: true`, refused.ruleId);
    }
    if (digest !== undefined && SecureRepository.isSecureRepository(repository)) {
      if (tag !== undefined && !isUnresolved(tag)) repository.protectDigest(digest, tag);
      else if (options.allowUnprotectedDigest) repository.allowUnprotectedDigest(digest, 'ImageReference allowUnprotectedDigest');
    }
    return new ImageReference({
      imageUri: digest !== undefined ? repository.repositoryUriForDigest(digest) : repository.repositoryUriForTag(tag),
      repositoryArn: repository.repositoryArn,
      repositoryName: repository.repositoryName,
      tag,
      digest,
      repository,
    });
  }

  /**
   * An image of an upstream registry, pulled through a pull-through cache rule of the registry.
   *
   * The image URI is `<account>.dkr.ecr.<region>.<url suffix>/<prefix>/<upstream repository>` with
   * `:<tag>` or `@<digest>`. Pulling it grants, on that one cached repository, the pull actions plus
   * `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository` (the first pull creates the repository
   * and imports the image; `ecr:TagResource` too when the cache's creation template tags the
   * repositories: the list is the cache's `cachePullActions()`), and `ecr:GetAuthorizationToken`.
   *
   * Tags of upstream registries can be moved by their publishers and the cache follows them, so a
   * tag needs `allowMutableTag: true` (with the template's immutable tags, the cached tag stays on
   * the image first pulled, and the template protects it). A digest pins the image, but the cache's
   * lifecycle rules have no tag to protect it by: it fails synth while the cache's template has a
   * rule that expires untagged images (the default one does), unless `allowUnprotectedDigest` is true.
   *
   * @param source the pull-through cache rule (a `PullThroughCacheRule`)
   * @param upstreamRepository the repository in the upstream registry, for example `library/nginx` for a Docker Hub official image
   * @param options exactly one of `tag` and `digest`; a digest alone fails synth when the cache's
   *   template expires untagged images, unless `allowUnprotectedDigest` is true
   */
  public static fromPullThroughCache(source: IPullThroughCacheSource, upstreamRepository: string,
    options: ImageReferenceOptions): ImageReference {
    checkLength(source, 'upstreamRepository', upstreamRepository, 2, 256);
    checkPattern(source, 'upstreamRepository', upstreamRepository, REPOSITORY_NAME_PATTERN, REPOSITORY_NAME_RULE);
    const prefix = source.ecrRepositoryPrefix;
    const repositoryName = source.repositoryNameFor(upstreamRepository);
    if (!isUnresolved(prefix)) checkLength(source, 'cached repository name', repositoryName, 2, 256);

    const { tag, digest } = checkTagOrDigest(source, options);
    if (tag !== undefined && !options.allowMutableTag) {
      fail(source, 'tag', tag,
        'upstream registries let publishers move tags and the cache follows them, so the task would run whatever image was pushed last upstream; ' +
        'use a digest, or set allowMutableTag: true');
    }

    const stack = Stack.of(source);
    const registry = `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}`;
    return new ImageReference({
      imageUri: `${registry}/${repositoryName}${tag !== undefined ? `:${tag}` : `@${digest}`}`,
      repositoryArn: Arn.format({ service: 'ecr', resource: 'repository', resourceName: repositoryName }, stack),
      repositoryName,
      tag,
      digest,
      cacheSource: source,
      allowUnprotectedDigest: options.allowUnprotectedDigest,
    });
  }

  /**
   * An image of a registry outside ECR (for example `docker.io/fluent/fluent-bit@sha256:...` or an
   * ECR Public image `public.ecr.aws/<alias>/<name>@sha256:...`), pinned by digest: a tag is
   * refused, because nothing stops its publisher from moving it.
   *
   * Such an image bypasses what the registry gives the other images: ECR scanning, the repository's
   * KMS key, the pull-through cache (pulls go to the public registry, subject to its rate limits and
   * availability, and need a route to the internet), and lifecycle protection (there is nothing to
   * protect). Prefer `fromPullThroughCache` with a digest. No ECR permission is granted for it.
   *
   * @param imageName the image name with its digest, `<registry>/<repository>@sha256:<digest>`
   */
  public static fromRegistry(imageName: string): ImageReference {
    const where = 'ImageReference.fromRegistry';
    checkLength(where, 'imageName', imageName, 1, 1024);
    checkPattern(where, 'imageName', imageName, EXTERNAL_IMAGE_PATTERN, EXTERNAL_IMAGE_RULE);
    if (!isUnresolved(imageName) && PRIVATE_ECR_HOST.test(imageName)) {
      fail(where, 'imageName', imageName,
        'this is a private ECR image: use ImageReference.fromRepository, which grants the pull and protects the image');
    }
    const at = isUnresolved(imageName) ? -1 : imageName.lastIndexOf('@');
    return new ImageReference({
      imageUri: imageName,
      repositoryArn: '',
      repositoryName: at < 0 ? imageName : imageName.slice(0, at),
      digest: at < 0 ? undefined : imageName.slice(at + 1),
      external: true,
    });
  }

  /** The image URI a container definition uses (`<registry>/<repository>:<tag>` or `@<digest>`). */
  public readonly imageUri: string;
  /** The ARN of the repository the image is pulled from (for a cached image, the cache repository; empty for an image outside ECR). */
  public readonly repositoryArn: string;
  /** The name of the repository the image is pulled from. */
  public readonly repositoryName: string;
  /** The tag, when the image is referenced by tag (with a digest too, the tag that protects it). */
  public readonly tag?: string;
  /** The digest, when the image is referenced by digest. */
  public readonly digest?: string;
  /** Whether the user accepted that the image, referenced by digest alone, can be expired. */
  public readonly allowUnprotectedDigest: boolean;

  private readonly spec: ImageReferenceSpec;

  private constructor(spec: ImageReferenceSpec) {
    this.spec = spec;
    this.imageUri = spec.imageUri;
    this.repositoryArn = spec.repositoryArn;
    this.repositoryName = spec.repositoryName;
    this.tag = spec.tag;
    this.digest = spec.digest;
    this.allowUnprotectedDigest = spec.allowUnprotectedDigest ?? false;
  }

  /**
   * Grants what pulling this image needs: `ecr:BatchCheckLayerAvailability`,
   * `ecr:GetDownloadUrlForLayer` and `ecr:BatchGetImage` on the repository (plus
   * what the cache's `cachePullActions()` lists for a pull-through cache), and
   * `ecr:GetAuthorizationToken` on `*`, the one action ECR offers no resource-level permission for.
   *
   * Pulling an image encrypted with a KMS key needs no KMS permission: ECR decrypts through its grant.
   * An image outside ECR (`fromRegistry`) needs no permission: nothing is granted.
   */
  public grantPull(grantee: iam.IGrantable): iam.Grant {
    if (this.spec.external) return iam.Grant.drop(grantee, `pulling ${this.imageUri}, an image outside ECR`);
    let grant: iam.Grant;
    if (this.spec.repository) {
      // The repository's own grant also handles a repository in another account (resource policy).
      grant = this.spec.repository.grantPull(grantee);
    } else {
      grant = iam.Grant.addToPrincipal({
        grantee,
        // The cache says what a pull through it needs (the first pull creates and may tag the repository).
        actions: this.spec.cacheSource ? this.spec.cacheSource.cachePullActions() : PULL_ACTIONS,
        resourceArns: [this.repositoryArn],
      });
      iam.Grant.addToPrincipal({ grantee, actions: ['ecr:GetAuthorizationToken'], resourceArns: ['*'] });
    }
    return grant;
  }

  /**
   * The image as an `ecs.ContainerImage`, for any ECS task definition. Binding it to a container
   * grants the pull to the task's execution role and protects the tag in a `SecureRepository`
   * (the reason recorded in the lifecycle rule is the task definition's construct path).
   */
  public toContainerImage(): ecs.ContainerImage {
    return new PinnedContainerImage(this);
  }

  /**
   * Makes the image usable by a task definition: protects the tag and, for a cached image, orders
   * the task definition after the cache rule.
   * @internal
   */
  public _bindTo(taskDefinition: Construct): void {
    const { repository, cacheSource, tag } = this.spec;
    if (cacheSource) {
      taskDefinition.node.addDependency(cacheSource);
      if (this.digest !== undefined && this.allowUnprotectedDigest) allowDigest(taskDefinition, this.digest);
      // A PullThroughCacheRule of this library (of any copy) has the creation template that protects the image.
      if (!('template' in cacheSource)) {
        Annotations.of(taskDefinition).addWarningV2('cdk-ecr-blueprints:cachedImageNotProtected',
          `the image ${this.tag ?? this.digest} is cached in ${this.repositoryName} by ${cacheSource.node.path}, whose creation template ` +
          'this app does not manage, so the lifecycle policy of the cache repository may expire it; use a PullThroughCacheRule of a ContainerRegistry');
      }
    }
    if (!SecureRepository.isSecureRepository(repository) || tag === undefined) return;
    if (isUnresolved(tag)) {
      Annotations.of(taskDefinition).addWarningV2('cdk-ecr-blueprints:tagNotProtected',
        `the image tag of ${repository.node.path} is only known at deploy time, so it is neither checked for mutability nor ` +
        'protected from the lifecycle rules; use a tag known at synth time or a digest');
      return;
    }
    applyViolations(taskDefinition, checkLatestTag('tag', tag, !repository.isTagMutable(tag), false));
    if (this.digest !== undefined) repository.protectDigest(this.digest, tag, taskDefinition.node.path);
    else repository.protectTag(tag, taskDefinition.node.path);
  }
}

/** Validates the one-of and the syntax; returns the checked pair. */
function checkTagOrDigest(where: IConstruct, options: ImageReferenceOptions, both = false): { tag?: string; digest?: string } {
  const { tag, digest } = options;
  if (tag === undefined && digest === undefined) {
    fail(where, 'image reference', { tag, digest }, both ? 'give a tag, a digest, or both' : 'give exactly one of tag or digest');
  }
  if (!both && tag !== undefined && digest !== undefined) {
    fail(where, 'image reference', { tag, digest }, 'give exactly one of tag or digest');
  }
  applyViolations(where, [...checkImageTag('tag', tag), ...checkImageDigest('digest', digest)]);
  return { tag, digest };
}

/**
 * The `ecs.ContainerImage` of an `ImageReference`: binding grants exactly the pull to the
 * execution role.
 */
class PinnedContainerImage extends ecs.ContainerImage {
  constructor(private readonly image: ImageReference) {
    super();
  }

  public bind(_scope: Construct, containerDefinition: ecs.ContainerDefinition): ecs.ContainerImageConfig {
    const taskDefinition = containerDefinition.taskDefinition;
    this.image.grantPull(taskDefinition.obtainExecutionRole());
    this.image._bindTo(taskDefinition);
    return { imageName: this.image.imageUri };
  }
}
