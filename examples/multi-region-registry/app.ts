// Synthesize: cd examples/multi-region-registry && npx cdk synth
//
// One registry per account and region, each declared once as a ContainerRegistry in its own stack.
// The primary registry (111111111111, us-east-1) replicates every repository to a second region of
// its account and the storefront repositories to a production account. Both destinations are
// ContainerRegistry constructs of this app, so each gets a REPLICATION creation template with its
// own baseline (and the production account a registry policy statement that lets the primary
// replicate): replicated repositories are immutable, KMS-encrypted, scanned and cleaned up exactly
// like the ones created directly. The primary stack deploys after the destinations.
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ContainerRegistry, RegistryScanning, ReplicationDestination } from 'cdk-ecr-blueprints';

export interface RegistryStackProps extends StackProps {
  /** Registries this one replicates to, with the repository prefixes to replicate (empty: all). */
  readonly replicateTo?: Array<{ registry: ContainerRegistry; repositoryPrefixes?: string[] }>;
  /** Repositories declared in this registry. */
  readonly repositories?: string[];
  /** Registry-wide scanning. */
  readonly scanning?: RegistryScanning;
}

export class RegistryStack extends Stack {
  public readonly registry: ContainerRegistry;

  constructor(scope: Construct, id: string, props: RegistryStackProps = {}) {
    super(scope, id, props);

    // Defaults: immutable tags, one rotating KMS key shared by every repository, basic scan on push
    // for all repositories, untagged images expire after 14 days, the newest 100 tagged images are kept.
    this.registry = new ContainerRegistry(this, 'Registry', {
      scanning: props.scanning,
      replicateTo: (props.replicateTo ?? []).map(d => ReplicationDestination.registry(d.registry, { repositoryPrefixes: d.repositoryPrefixes })),
    });
    for (const name of props.repositories ?? []) this.registry.addRepository(name);
  }
}

export function buildApp(app: App = new App()): App {
  const secondRegion = new RegistryStack(app, 'RegistrySecondRegion', {
    env: { account: '111111111111', region: 'eu-west-1' },
  });
  const productionAccount = new RegistryStack(app, 'RegistryProductionAccount', {
    env: { account: '222222222222', region: 'us-east-1' },
  });
  new RegistryStack(app, 'RegistryPrimary', {
    env: { account: '111111111111', region: 'us-east-1' },
    repositories: ['storefront/web', 'storefront/api', 'tools/ci-runner'],
    // Inspector rescans the storefront images whenever a new vulnerability is published; the rest
    // is scanned on push.
    scanning: RegistryScanning.enhanced({ continuous: ['storefront/*'], scanOnPush: ['*'] }),
    replicateTo: [
      { registry: secondRegion.registry },
      { registry: productionAccount.registry, repositoryPrefixes: ['storefront/'] },
    ],
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
