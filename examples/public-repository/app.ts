// Synthesize: cd examples/public-repository && npx cdk synth
//
// An ECR Public repository in us-east-1 (the only region ECR Public exists in), with its gallery
// catalog data and tags, kept on stack deletion, and a release role that may push to it and
// nothing else. ECR Public has no lifecycle policy, scanning or tag immutability: scan and sign in a
// private repository before publishing.
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PublicRepository } from 'cdk-ecr-blueprints';

export class PublicRepositoryStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const cli = new PublicRepository(this, 'Cli', {
      repositoryName: 'example-org/cli',
      registryAlias: 'example-org',
      catalogData: {
        description: 'The example-org command line tool',
        aboutText: '# example-org CLI\n\nMulti-architecture images of the command line tool.',
        usageText: 'docker run --rm public.ecr.aws/example-org/example-org/cli:1.0.0 --help',
        architectures: ['ARM 64', 'x86-64'],
        operatingSystems: ['Linux'],
      },
      tags: { team: 'developer-tools', visibility: 'public' },
    });

    const release = new iam.Role(this, 'ReleaseRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'Publishes release images of the CLI to ECR Public',
    });
    cli.grantPush(release);

    Validations.of(cli.authorizationPolicy!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken have no resource-level permissions; this policy holds those two actions and nothing else',
    });
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      Validations.of(release.node.findChild('DefaultPolicy')).acknowledge({
        id: `${pack}-IAMNoInlinePolicy`,
        reason: 'grantPush() writes the push actions, scoped to the repository ARN, to the role\'s default policy, as every CDK grant does',
      });
    }
  }
}

export function buildApp(app: App = new App()): App {
  new PublicRepositoryStack(app, 'PublicRepositoryExample', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
