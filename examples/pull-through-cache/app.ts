// Synthesize: cd examples/pull-through-cache && npx cdk synth
//
// Images from ECR Public and Docker Hub cached in a private registry. Pulling
// 111111111111.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/nginx:1.27 fetches the image from
// Docker Hub once and keeps it in a repository that the docker-hub creation template hardens like
// every other repository of the registry: immutable tags, the registry's KMS key, scan on push,
// lifecycle policy. The Docker Hub credentials live in a Secrets Manager secret encrypted with a
// customer-managed key; after deploying, put the real username and access token in it:
//
//   aws secretsmanager put-secret-value --secret-id ecr-pullthroughcache/docker-hub \
//     --secret-string '{"username":"<user>","accessToken":"<token>"}'
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ContainerRegistry, UpstreamRegistry } from 'cdk-ecr-blueprints';

export class PullThroughCacheStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const registry = new ContainerRegistry(this, 'Registry');

    // ECR Public needs no credentials.
    const ecrPublic = registry.addPullThroughCache('ecr-public', UpstreamRegistry.ecrPublic());

    // Docker Hub needs a secret named ecr-pullthroughcache/... holding username and accessToken.
    const credentialsKey = new kms.Key(this, 'CredentialsKey', {
      description: 'Encrypts the upstream registry credentials of the pull-through cache rules',
      enableKeyRotation: true,
    });
    // AWS Control Tower CT.KMS.PR.3: only AWS services create grants on the key (Secrets Manager needs none).
    credentialsKey.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));
    const dockerHubCredentials = new secretsmanager.Secret(this, 'DockerHubCredentials', {
      secretName: 'ecr-pullthroughcache/docker-hub',
      description: 'Docker Hub username and access token of the docker-hub pull-through cache rule',
      encryptionKey: credentialsKey,
      // The right shape from the first deploy; the real values are put in after deploying.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'replace-after-deploy' }),
        generateStringKey: 'accessToken',
      },
    });
    const rotationReason = 'The secret holds a Docker Hub access token, issued by Docker Hub: Secrets Manager cannot rotate it, ' +
      'it is replaced by hand when Docker Hub expires it';
    Validations.of(dockerHubCredentials).acknowledge(
      { id: 'AwsSolutions-SMG4', reason: rotationReason },
      ...['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map(pack => ({ id: `${pack}-SecretsManagerRotationEnabled`, reason: rotationReason })),
    );

    // `latest` follows Docker Hub; every other cached tag stays on the image first pulled.
    const dockerHub = registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(dockerHubCredentials), {
      mutableTags: ['latest'],
    });

    // The build role pulls through both caches: import upstream images and create the cached
    // repositories under the two prefixes, pull from them, and get an ECR token.
    const builds = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'Builds that pull base images through the pull-through caches',
    });
    ecrPublic.grantPull(builds);
    dockerHub.grantPull(builds);

    // What those grants look like to the compliance packs, acknowledged on the one policy that holds them.
    const grants = builds.node.findChild('DefaultPolicy');
    for (const cache of [ecrPublic, dockerHub]) {
      Validations.of(grants).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:${this.region}:${this.account}:repository/${cache.ecrRepositoryPrefix}/*]`,
        reason: `The cached repositories are created on first pull under the ${cache.ecrRepositoryPrefix}/ prefix with the upstream's names; the prefix is the narrowest resource that covers them`,
      });
    }
    Validations.of(grants).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; it is the only action granted on *',
    });
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      Validations.of(grants).acknowledge({
        id: `${pack}-IAMNoInlinePolicy`,
        reason: 'grantPull() writes to the role\'s default policy, as every CDK grant does; it belongs to this role alone and holds only the pull-through grants',
      });
    }
  }
}

export function buildApp(app: App = new App()): App {
  new PullThroughCacheStack(app, 'PullThroughCacheExample', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
