// Synthesize: cd examples/secure-repository && npx cdk synth
//
// Two hardened repositories: one that lets the `latest` tag move while every release tag stays
// immutable, and one with lifecycle rules of its own (archive images nobody pulls, expire them later).
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LifecycleRule, SecureRepository } from 'cdk-ecr-blueprints';

export class SecureRepositoryStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Defaults: immutable tags, a rotating customer-managed KMS key, scan on push, untagged images
    // expire after 14 days, the newest 100 tagged images are kept, RETAIN on stack deletion.
    const web = new SecureRepository(this, 'Web', {
      repositoryName: 'storefront/web',
      mutableTags: ['latest'],
    });
    // The release running in production can never be removed by the lifecycle rules.
    web.protectTag('v2.7.0', 'running in production');

    const batch = new SecureRepository(this, 'Batch', {
      repositoryName: 'storefront/batch-jobs',
      lifecycleRules: [
        LifecycleRule.expireUntaggedAfter(7),
        LifecycleRule.keepNewest(20, { tagPatterns: ['release-*'] }),
        LifecycleRule.archiveAfterDaysSinceLastPull(60, { tagPatterns: ['nightly-*'] }),
        LifecycleRule.expireArchivedAfter(180),
      ],
    });

    // The account that runs the batch jobs pulls from this one.
    batch.grantPullToAccounts(['222222222222']);

  }
}

export function buildApp(app: App = new App()): App {
  new SecureRepositoryStack(app, 'SecureRepositoryExample', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
