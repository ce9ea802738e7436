// The same posture with cdk-ecr-blueprints: the registry brings the shared key, scanning and the
// baseline; the task definition pins the image, protects its tag, wires pull and logs, and shares
// the stack's log key.
import { App, Stack } from 'aws-cdk-lib';
import { ContainerRegistry, ImageReference, TaggedImageTaskDefinition } from 'cdk-ecr-blueprints';

const DEPLOYED_TAG = 'v1.0.0';
const ENV = { account: '123456789012', region: 'us-east-1' };
/** Services per service stack in the platform shape. */
export const SERVICES_PER_STACK = 50;

/** One stack: the registry, N repositories and N task definitions. */
export function buildApp(app: App, count: number): Stack {
  const stack = new Stack(app, 'Bench', { env: ENV });
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

/** The platform: a registry stack with N repositories, service stacks of 50 task definitions each. */
export function buildPlatform(app: App, count: number): Stack {
  const registryStack = new Stack(app, 'Registry', { env: ENV });
  const registry = new ContainerRegistry(registryStack, 'Registry');
  const services: Stack[] = [];

  for (let i = 0; i < count; i++) {
    const index = Math.floor(i / SERVICES_PER_STACK);
    services[index] ??= new Stack(app, `Services${index + 1}`, { env: ENV });
    new TaggedImageTaskDefinition(services[index], `Task${i}`, {
      image: ImageReference.fromRepository(registry.addRepository(`team/app-${i}`), { tag: DEPLOYED_TAG }),
      cpu: 256,
      memoryLimitMiB: 512,
    });
  }
  return registryStack;
}
