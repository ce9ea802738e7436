// The same posture with cdk-ecr-blueprints: the registry brings the shared key, scanning and the
// baseline; the task definition pins the image, protects its tag and wires pull and logs.
import { App, Stack } from 'aws-cdk-lib';
import { ContainerRegistry, ImageReference, TaggedImageTaskDefinition } from 'cdk-ecr-blueprints';

const DEPLOYED_TAG = 'v1.0.0';

export function buildApp(app: App, count: number): Stack {
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
  const registry = new ContainerRegistry(stack, 'Registry');

  for (let i = 0; i < count; i++) {
    const repository = registry.addRepository(`team/app-${i}`);
    new TaggedImageTaskDefinition(stack, `Task${i}`, {
      image: ImageReference.fromRepository(repository, { tag: DEPLOYED_TAG }),
      cpu: 256,
      memoryLimitMiB: 512,
    });
  }
  return stack;
}
