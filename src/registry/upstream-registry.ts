import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ContainerRegistry } from './container-registry';

/** Options of an Amazon ECR private registry used as a pull-through cache upstream. */
export interface EcrUpstreamOptions {
  /**
   * Cache only the upstream repositories under this namespace prefix (2-30 characters, or `ROOT`).
   *
   * @default - every repository of the upstream registry (`ROOT`)
   */
  readonly repositoryPrefix?: string;

  /**
   * The role ECR assumes to pull from the upstream registry. It must trust
   * `pullthroughcache.ecr.amazonaws.com` and be in the account of the cache.
   *
   * @default - a role is created, allowed to read the upstream repositories under `repositoryPrefix` and to write the cache repositories
   */
  readonly role?: iam.IRole;
}

/** Options of an ECR upstream given by account and region. */
export interface EcrRegistryUpstreamOptions extends EcrUpstreamOptions {
  /** The 12-digit account id of the upstream registry. */
  readonly account: string;

  /** The region of the upstream registry. */
  readonly region: string;
}

/**
 * A registry that a pull-through cache rule caches images from.
 *
 * ECR Public, the Kubernetes registry and Quay need no credentials. Docker Hub, GitHub Container
 * Registry, GitLab Container Registry, Azure Container Registry and Chainguard need a Secrets
 * Manager secret in the same account and region as the cache, whose name starts with
 * `ecr-pullthroughcache/` and that holds `username` and `accessToken`. Another ECR registry is
 * reached through an IAM role that `pullthroughcache.ecr.amazonaws.com` assumes.
 */
export class UpstreamRegistry {
  /** Amazon ECR Public (`public.ecr.aws`). */
  public static ecrPublic(): UpstreamRegistry {
    return new UpstreamRegistry('ecr-public', 'public.ecr.aws', 'UpstreamRegistry.ecrPublic');
  }

  /** The Kubernetes project registry (`registry.k8s.io`). */
  public static kubernetes(): UpstreamRegistry {
    return new UpstreamRegistry('k8s', 'registry.k8s.io', 'UpstreamRegistry.kubernetes');
  }

  /** Quay (`quay.io`). */
  public static quay(): UpstreamRegistry {
    return new UpstreamRegistry('quay', 'quay.io', 'UpstreamRegistry.quay');
  }

  /**
   * Docker Hub (`registry-1.docker.io`). Official images live under `library/`, for example
   * `library/nginx`; `PullThroughCacheRule.repositoryNameFor('nginx')` adds it.
   *
   * @param credential secret named `ecr-pullthroughcache/...` holding `username` and `accessToken`
   */
  public static dockerHub(credential: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('docker-hub', 'registry-1.docker.io', 'UpstreamRegistry.dockerHub', { credential, needsCredential: true });
  }

  /**
   * GitHub Container Registry (`ghcr.io`).
   *
   * @param credential secret named `ecr-pullthroughcache/...` holding `username` and `accessToken` (a token with `read:packages`)
   */
  public static githubContainerRegistry(credential: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('github-container-registry', 'ghcr.io', 'UpstreamRegistry.githubContainerRegistry', { credential, needsCredential: true });
  }

  /**
   * GitLab Container Registry (`registry.gitlab.com`, the SaaS offering only).
   *
   * @param credential secret named `ecr-pullthroughcache/...` holding `username` and `accessToken`
   */
  public static gitlabContainerRegistry(credential: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('gitlab-container-registry', 'registry.gitlab.com', 'UpstreamRegistry.gitlabContainerRegistry', { credential, needsCredential: true });
  }

  /**
   * A Microsoft Azure Container Registry (`<registryName>.azurecr.io`).
   *
   * @param registryName the registry name, the part before `.azurecr.io` (5-50 letters or digits)
   * @param credential secret named `ecr-pullthroughcache/...` holding `username` and `accessToken`
   */
  public static azureContainerRegistry(registryName: string, credential: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('azure-container-registry', `${registryName}.azurecr.io`, 'UpstreamRegistry.azureContainerRegistry',
      { credential, needsCredential: true, azureRegistryName: registryName });
  }

  /**
   * Chainguard's registry (`cgr.dev`).
   *
   * @param credential secret named `ecr-pullthroughcache/...` holding `username` and `accessToken` (a Chainguard pull token)
   */
  public static chainguard(credential: secretsmanager.ISecret): UpstreamRegistry {
    return new UpstreamRegistry('chainguard', 'cgr.dev', 'UpstreamRegistry.chainguard', { credential, needsCredential: true });
  }

  /**
   * Another Amazon ECR private registry, by account and region. Across accounts, the upstream
   * registry must let the cache's account pull (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`)
   * in its registry or repository policies.
   */
  public static ecr(options: EcrRegistryUpstreamOptions): UpstreamRegistry {
    return new UpstreamRegistry('ecr', undefined, 'UpstreamRegistry.ecr', {
      ecrAccount: options.account, ecrRegion: options.region, upstreamRepositoryPrefix: options.repositoryPrefix, role: options.role,
    });
  }

  /**
   * A `ContainerRegistry` of this app, in a stack with a concrete account and region. When it is
   * in another account, it gets a registry policy statement that lets the cache's account pull the
   * repositories under `repositoryPrefix`.
   */
  public static containerRegistry(registry: ContainerRegistry, options: EcrUpstreamOptions = {}): UpstreamRegistry {
    return new UpstreamRegistry('ecr', undefined, 'UpstreamRegistry.containerRegistry', {
      sourceRegistry: registry, upstreamRepositoryPrefix: options.repositoryPrefix, role: options.role,
    });
  }

  /** The upstream registry type ECR expects (`docker-hub`, `ecr-public`, ...). */
  public readonly registryType: string;
  /** The credentials for the upstream, when it needs them. */
  public readonly credential?: secretsmanager.ISecret;
  /** Whether ECR needs a Secrets Manager secret to pull from this upstream. */
  public readonly requiresCredential: boolean;
  /** The upstream repository prefix (ECR upstreams only). */
  public readonly upstreamRepositoryPrefix?: string;
  /** The role given for an ECR upstream. */
  public readonly role?: iam.IRole;
  /** The upstream `ContainerRegistry`, when it is managed in this app. */
  public readonly sourceRegistry?: ContainerRegistry;
  /** The upstream ECR account, when given by account and region. */
  public readonly ecrAccount?: string;
  /** The upstream ECR region, when given by account and region. */
  public readonly ecrRegion?: string;
  /** The Azure registry name, for Azure Container Registry. */
  public readonly azureRegistryName?: string;

  private readonly fixedUrl?: string;

  private constructor(registryType: string, url: string | undefined, private readonly factory: string, extra: UpstreamExtra = {}) {
    this.registryType = registryType;
    this.fixedUrl = url;
    this.credential = extra.credential;
    this.requiresCredential = extra.needsCredential ?? false;
    this.upstreamRepositoryPrefix = extra.upstreamRepositoryPrefix;
    this.role = extra.role;
    this.sourceRegistry = extra.sourceRegistry;
    this.ecrAccount = extra.ecrAccount;
    this.ecrRegion = extra.ecrRegion;
    this.azureRegistryName = extra.azureRegistryName;
  }

  /** Whether the upstream is an Amazon ECR private registry. */
  public get isEcr(): boolean {
    return this.registryType === 'ecr';
  }

  /**
   * The factory that made this upstream, for error messages.
   * @internal
   */
  public get _factory(): string {
    return this.factory;
  }

  /**
   * The upstream registry URL, given the account and region of an ECR upstream.
   * @internal
   */
  public _url(ecrAccount?: string, ecrRegion?: string): string {
    if (this.fixedUrl !== undefined) return this.fixedUrl;
    const suffix = ecrRegion?.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return `${ecrAccount}.dkr.ecr.${ecrRegion}.${suffix}`;
  }

  /**
   * The path of an upstream repository as the upstream names it (Docker Hub official images get `library/`).
   * @internal
   */
  public _normalizeRepository(repository: string): string {
    if (this.registryType === 'docker-hub' && !Token.isUnresolved(repository) && !repository.includes('/')) {
      return `library/${repository}`;
    }
    return repository;
  }
}

/** @internal */
interface UpstreamExtra {
  readonly credential?: secretsmanager.ISecret;
  readonly needsCredential?: boolean;
  readonly upstreamRepositoryPrefix?: string;
  readonly role?: iam.IRole;
  readonly sourceRegistry?: ContainerRegistry;
  readonly ecrAccount?: string;
  readonly ecrRegion?: string;
  readonly azureRegistryName?: string;
}
