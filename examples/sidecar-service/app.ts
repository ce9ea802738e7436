// Synthesize: cd examples/sidecar-service && npx cdk synth
//
// A task with an application container and two sidecars: an Envoy proxy from a hardened repository
// of the app (its tag protected from the lifecycle rules like the application's) and a log agent
// from ECR Public, referenced by digest because it does not go through ECR scanning or a cache.
// Every container has a memory limit, a non-root user, a read-only root filesystem and logs.
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ImageReference, SecureRepository, TaggedImageTaskDefinition } from 'cdk-ecr-blueprints';

export class SidecarServiceStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const api = new SecureRepository(this, 'Api', { repositoryName: 'storefront/api' });
    const envoy = new SecureRepository(this, 'Envoy', { repositoryName: 'platform/envoy' });

    const task = new TaggedImageTaskDefinition(this, 'ApiTask', {
      image: ImageReference.fromRepository(api, { tag: 'v1.4.2' }),
      cpu: 512,
      memoryLimitMiB: 1024,
      portMappings: [{ containerPort: 8080 }],
      writablePaths: ['/tmp'],
      sidecars: {
        envoy: {
          image: ImageReference.fromRepository(envoy, { tag: 'v1.30.1' }),
          memoryLimitMiB: 128,
          portMappings: [{ containerPort: 9901 }],
        },
        agent: {
          // An image outside ECR: only by digest (a placeholder here: pin the digest you reviewed).
          image: ImageReference.fromRegistry(
            'public.ecr.aws/aws-observability/aws-otel-collector@sha256:4d1c5c1b9f3fbe2e9b4bb8d1a0b7c6e6f2f4d0e3c1b9a8f7e6d5c4b3a2918070'),
          memoryLimitMiB: 64,
          essential: false,
          writablePaths: ['/tmp'],
        },
      },
    });
    Validations.of(task.registryAuthorizationPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permission; this policy holds that one action and nothing else',
    });
  }
}

export function buildApp(app: App = new App()): App {
  new SidecarServiceStack(app, 'SidecarServiceExample', {
    env: { account: '111111111111', region: 'us-east-1' },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
