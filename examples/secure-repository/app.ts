// Synthesize: cd examples/secure-repository && npx cdk synth
//
// Two hardened repositories: one with the defaults and a protected production release, and one with
// lifecycle rules of its own (archive images nobody pulls, expire them later). Both keep every tag
// immutable: a `mutableTags` exception (for example `latest`) renders IMMUTABLE_WITH_EXCLUSION, which
// the AWS Control Tower control CT.ECR.PR.3 and Security Hub ECR.2 reject.
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
