import { Annotations, Arn, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { REPOSITORY_NAME_PATTERN, REPOSITORY_NAME_RULE } from '../private/ecr-rules';
import { TagMutabilityKnowledge, tagMutabilityOf } from '../private/tag-mutability';
import { applyViolations, checkLength, checkPattern, fail, isUnresolved } from '../private/validate';
import { IPullThroughCacheSource } from '../registry/pull-through-cache-rule';
import { SecureRepository } from '../repository/secure-repository';
import { checkImageDigest, checkImageTag, checkLatestTag } from '../rules/ecs';

/**
 * Which image of a repository to run: exactly one of `tag` or `digest`.
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
   * A digest always names the same image. ECR lifecycle rules select images by tag only, so an
   * image referenced by digest cannot be protected from them: a warning says so when the
   * repository is a `SecureRepository` with lifecycle rules.
   *
   * @default - none; give `tag` or `digest`
   */
  readonly digest?: string;

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

/** The extra actions that let a pull import the image from upstream into a new cache repository. */
const PULL_THROUGH_ACTIONS = ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'];

interface ImageReferenceSpec {
  readonly imageUri: string;
  readonly repositoryArn: string;
  readonly repositoryName: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly repository?: ecr.IRepository;
  readonly cacheSource?: IPullThroughCacheSource;
}

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
 * A tag held in an unresolved token cannot be checked or protected; a warning says so.
 */
export class ImageReference {
  /**
   * An image of an ECR repository, by tag or digest.
   *
   * @param repository the repository (a `SecureRepository`, an `ecr.Repository` or an imported one)
   * @param options exactly one of `tag` and `digest`
   */
  public static fromRepository(repository: ecr.IRepository, options: ImageReferenceOptions): ImageReference {
    const { tag, digest } = checkTagOrDigest(repository, options);
    if (tag !== undefined && !options.allowMutableTag) {
      const known = repository instanceof SecureRepository
        ? (isUnresolved(tag) ? TagMutabilityKnowledge.UNKNOWN
          : repository.isTagMutable(tag) ? TagMutabilityKnowledge.MUTABLE : TagMutabilityKnowledge.IMMUTABLE)
        : tagMutabilityOf(repository, tag);
      if (known === TagMutabilityKnowledge.MUTABLE) {
        fail(repository, 'tag', tag,
          'the repository lets this tag move to another image, so the task would run whatever image was pushed last under it; ' +
          'use an immutable tag or a digest, or set allowMutableTag: true');
      }
      if (known === TagMutabilityKnowledge.UNKNOWN && tag === 'latest') {
        fail(repository, 'tag', tag,
          'latest is the tag every push moves, so the task would run whatever image was pushed last; ' +
          'use an immutable tag or a digest, or set allowMutableTag: true');
      }
    }
    return new ImageReference({
      imageUri: tag !== undefined ? repository.repositoryUriForTag(tag) : repository.repositoryUriForDigest(digest),
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
   * and imports the image), and `ecr:GetAuthorizationToken`.
   *
   * Tags of upstream registries can be moved by their publishers and the cache follows them, so a
   * tag needs `allowMutableTag: true`; prefer a digest.
   *
   * @param source the pull-through cache rule (a `PullThroughCacheRule`)
   * @param upstreamRepository the repository in the upstream registry, for example `library/nginx` for a Docker Hub official image
   * @param options exactly one of `tag` and `digest`
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
    });
  }

  /** The image URI a container definition uses (`<registry>/<repository>:<tag>` or `@<digest>`). */
  public readonly imageUri: string;
  /** The ARN of the repository the image is pulled from (for a cached image, the cache repository). */
  public readonly repositoryArn: string;
  /** The name of the repository the image is pulled from. */
  public readonly repositoryName: string;
  /** The tag, when the image is referenced by tag. */
  public readonly tag?: string;
  /** The digest, when the image is referenced by digest. */
  public readonly digest?: string;

  private readonly spec: ImageReferenceSpec;

  private constructor(spec: ImageReferenceSpec) {
    this.spec = spec;
    this.imageUri = spec.imageUri;
    this.repositoryArn = spec.repositoryArn;
    this.repositoryName = spec.repositoryName;
    this.tag = spec.tag;
    this.digest = spec.digest;
  }

  /**
   * Grants what pulling this image needs: `ecr:BatchCheckLayerAvailability`,
   * `ecr:GetDownloadUrlForLayer` and `ecr:BatchGetImage` on the repository (plus
   * `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository` for a pull-through cache), and
   * `ecr:GetAuthorizationToken` on `*`, the one action ECR offers no resource-level permission for.
   *
   * Pulling an image encrypted with a KMS key needs no KMS permission: ECR decrypts through its grant.
   */
  public grantPull(grantee: iam.IGrantable): iam.Grant {
    let grant: iam.Grant;
    if (this.spec.repository) {
      // The repository's own grant also handles a repository in another account (resource policy).
      grant = this.spec.repository.grantPull(grantee);
    } else {
      grant = iam.Grant.addToPrincipal({
        grantee,
        actions: [...PULL_ACTIONS, ...PULL_THROUGH_ACTIONS],
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
    if (cacheSource) taskDefinition.node.addDependency(cacheSource);
    if (!(repository instanceof SecureRepository)) return;
    if (tag === undefined) {
      if (!repository.lifecyclePolicy.isEmpty) {
        Annotations.of(taskDefinition).addWarningV2('cdk-ecr-blueprints:digestNotProtected',
          `the image ${this.digest} of ${repository.node.path} is referenced by digest; ECR lifecycle rules select images by tag, ` +
          'so it cannot be protected from them: reference it by an immutable tag to protect it');
      }
      return;
    }
    if (isUnresolved(tag)) {
      Annotations.of(taskDefinition).addWarningV2('cdk-ecr-blueprints:tagNotProtected',
        `the image tag of ${repository.node.path} is only known at deploy time, so it is neither checked for mutability nor ` +
        'protected from the lifecycle rules; use a tag known at synth time or a digest');
      return;
    }
    applyViolations(taskDefinition, checkLatestTag('tag', tag, !repository.isTagMutable(tag), false));
    // Straight to the policy: the warning above already says what protecting latest means here.
    repository.lifecyclePolicy.protectTag(tag, taskDefinition.node.path);
  }
}

/** Validates the one-of and the syntax; returns the checked pair. */
function checkTagOrDigest(where: IConstruct, options: ImageReferenceOptions): { tag?: string; digest?: string } {
  const { tag, digest } = options;
  if ((tag === undefined) === (digest === undefined)) {
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
