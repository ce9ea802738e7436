// Synthesize: cd examples/signed-images && npx cdk synth
//
// ECR managed signing: every image pushed to the release repositories is signed by AWS Signer with a
// Notation profile whose signatures are valid for a year. The CI role may push and sign (and
// nothing else); a verifier role may read images and signatures and check revocation. Nothing in
// ECR or ECS refuses an unsigned image: verification happens where the verifier runs (for example an
// admission controller in EKS, or a pipeline step before deployment).
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ContainerRegistry, LifecycleRule, NotationSigningProfile } from 'cdk-ecr-blueprints';

export class SignedImagesStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const registry = new ContainerRegistry(this, 'Registry');
    const profile = new NotationSigningProfile(this, 'ReleaseSigning');
    const signing = registry.addSigningRule(profile, { repositoryFilters: ['release/*'] });

    // Signatures are reference artifacts: they are not counted by the keep-newest rule and ECR
    // removes them within a day of their image.
    const api = registry.addRepository('release/api', {
      lifecycleRules: [LifecycleRule.expireUntaggedAfter(7), LifecycleRule.keepNewest(20, { tagPatterns: ['v*'] })],
    });

    const ci = new iam.Role(this, 'CiRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'Pushes release images; ECR signs them as this role',
    });
    signing.grantPushSigned(ci, api);

    const verifier = new iam.Role(this, 'VerifierRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'Verifies the signatures of release images before deployment',
    });
    signing.grantVerifySignatures(verifier, api);

    for (const role of [ci, verifier]) {
      const grants = role.node.findChild('DefaultPolicy');
      Validations.of(grants).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken (and, for the verifier, signer:GetRevocationStatus) have no resource-level permissions; every other action names the repository or the profile',
      });
      for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
        Validations.of(grants).acknowledge({
          id: `${pack}-IAMNoInlinePolicy`,
          reason: 'the signing grants write to the role\'s default policy, as every CDK grant does; it belongs to this role alone',
        });
      }
    }
  }
}

export function buildApp(app: App = new App()): App {
  new SignedImagesStack(app, 'SignedImagesExample', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
