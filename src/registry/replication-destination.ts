import type { ContainerRegistry } from './container-registry';

/** Options of a replication destination. */
export interface ReplicationOptions {
  /**
   * Replicate only the repositories whose names start with one of these prefixes (ECR
   * `PREFIX_MATCH` filters, 2-256 characters each, at most 100). A prefix matches by characters,
   * not by path segment: `prod` also matches `production/api`; write `prod/` to mean the `prod` namespace.
   *
   * @default - every repository is replicated
   */
  readonly repositoryPrefixes?: string[];
}

/**
 * Where a registry replicates its images to: another region of the same account, another account,
 * or another `ContainerRegistry` of the app.
 *
 * ECR does not replicate repository settings. A repository that replication creates in the
 * destination gets the destination's REPLICATION creation template, or the AWS defaults (mutable
 * tags, AES256, no lifecycle policy) when there is none. With `ReplicationDestination.registry()`
 * the destination registry receives a REPLICATION template carrying its own baseline (and, across
 * accounts, the registry policy statement that lets the source replicate) automatically; with
 * `region()` and `account()` the destination must provide them, and synth says so in a warning.
 */
export class ReplicationDestination {
  /**
   * Another region of the source registry's account.
   *
   * @param region the destination region, for example `eu-west-1`
   */
  public static region(region: string, options: ReplicationOptions = {}): ReplicationDestination {
    return new ReplicationDestination(undefined, region, undefined, options);
  }

  /**
   * A registry of another account (it must allow `ecr:ReplicateImage` and `ecr:CreateRepository`
   * to the source account in its registry policy).
   *
   * @param account the 12-digit destination account id
   * @param region the destination region
   */
  public static account(account: string, region: string, options: ReplicationOptions = {}): ReplicationDestination {
    return new ReplicationDestination(account, region, undefined, options);
  }

  /**
   * A `ContainerRegistry` of this app, in a stack with a concrete account and region. The
   * destination is hardened automatically: it gets a REPLICATION creation template with its
   * baseline and, when it is in another account, a registry policy statement for the source.
   */
  public static registry(registry: ContainerRegistry, options: ReplicationOptions = {}): ReplicationDestination {
    return new ReplicationDestination(undefined, undefined, registry, options);
  }

  /** The destination account; undefined means the source registry's account (or the destination registry's). */
  public readonly destinationAccount?: string;
  /** The destination region; undefined when `destinationRegistry` gives it. */
  public readonly destinationRegion?: string;
  /** The destination registry, when it is managed in this app. */
  public readonly destinationRegistry?: ContainerRegistry;
  /** Repository name prefixes to replicate; empty for every repository. */
  public readonly repositoryPrefixes: string[];

  private constructor(account: string | undefined, region: string | undefined, registry: ContainerRegistry | undefined, options: ReplicationOptions) {
    this.destinationAccount = account;
    this.destinationRegion = region;
    this.destinationRegistry = registry;
    this.repositoryPrefixes = [...options.repositoryPrefixes ?? []];
  }
}
