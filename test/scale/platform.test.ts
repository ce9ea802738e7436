/**
 * The shape a platform team deploys: one registry stack with the repositories, service stacks with
 * one TaggedImageTaskDefinition per repository. It has to fit CloudFormation's quotas per stack
 * (500 resources, 200 outputs, a 1 MB template body through S3) and deploy without exports.
 *
 * PLATFORM_SERVICES sets the size (default 200 services over 4 stacks; the benchmark runs it too).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ContainerRegistry, ImageReference, TaggedImageTaskDefinition } from '../../src';

const SERVICES = Number(process.env.PLATFORM_SERVICES ?? 200);
const SERVICE_STACKS = 4;
const ENV = { account: '111111111111', region: 'us-east-1' };
const QUOTAS = { resources: 500, outputs: 200, templateBytes: 1024 * 1024 };

function platform() {
  const app = new App({ context: { 'aws:cdk:disable-stack-trace': true } });
  const registryStack = new Stack(app, 'Registry', { env: ENV });
  const registry = new ContainerRegistry(registryStack, 'Registry');
  const services = Array.from({ length: SERVICE_STACKS }, (_, i) => new Stack(app, `Services${i + 1}`, { env: ENV }));
  for (let i = 0; i < SERVICES; i++) {
    const repository = registry.addRepository(`team/app-${i}`);
    new TaggedImageTaskDefinition(services[i % SERVICE_STACKS], `Task${i}`, {
      image: ImageReference.fromRepository(repository, { tag: 'v1.0.0' }),
    });
  }
  const assembly = app.synth();
  const templates = new Map([registryStack, ...services].map(stack => {
    const text = fs.readFileSync(path.join(assembly.directory, stack.templateFile), 'utf-8');
    return [stack, { bytes: Buffer.byteLength(text), template: JSON.parse(text) }];
  }));
  return { registryStack, services, templates };
}

describe(`platform shape: ${SERVICES} repositories in one registry stack, ${SERVICES} services over ${SERVICE_STACKS} stacks`, () => {
  const { registryStack, services, templates } = platform();
  const count = (t: any, type: string) => Object.values<any>(t.Resources).filter(r => r.Type === type).length;

  test.each([...templates.entries()].map(([stack, t]) => [stack.stackName, t] as const))('%s fits the CloudFormation quotas', (_, { bytes, template }) => {
    expect(Object.keys(template.Resources).length).toBeLessThanOrEqual(QUOTAS.resources);
    expect(Object.keys(template.Outputs ?? {}).length).toBeLessThanOrEqual(QUOTAS.outputs);
    expect(bytes).toBeLessThanOrEqual(QUOTAS.templateBytes);
  });

  test('no stack exports or imports anything, and every service stack deploys after the registry stack', () => {
    for (const { template } of templates.values()) {
      expect(template.Outputs).toBeUndefined();
      expect(JSON.stringify(template)).not.toContain('Fn::ImportValue');
    }
    for (const stack of services) expect(stack.dependencies).toEqual([registryStack]);
  });

  test('every repository is in the registry stack and every task definition pins one of them by a plain URI', () => {
    expect(count(templates.get(registryStack)!.template, 'AWS::ECR::Repository')).toBe(SERVICES);
    const images = services.flatMap(stack => Object.values<any>(templates.get(stack)!.template.Resources)
      .filter(r => r.Type === 'AWS::ECS::TaskDefinition')
      .map(r => r.Properties.ContainerDefinitions[0].Image));
    expect(images.sort()).toEqual(Array.from({ length: SERVICES },
      (_, i) => `111111111111.dkr.ecr.us-east-1.amazonaws.com/team/app-${i}:v1.0.0`).sort());
  });

  test('one ecr:GetAuthorizationToken policy per service stack: customer-managed policies are one per service plus one per stack', () => {
    let policies = 0;
    for (const stack of services) {
      const managed = Object.values<any>(templates.get(stack)!.template.Resources).filter(r => r.Type === 'AWS::IAM::ManagedPolicy');
      const authorization = managed.filter(r => JSON.stringify(r.Properties.PolicyDocument.Statement).includes('ecr:GetAuthorizationToken'));
      expect(authorization).toHaveLength(1);
      policies += managed.length;
    }
    // Each of an account's customer-managed policies counts against its quota (1,500 by default).
    expect(policies).toBe(SERVICES + SERVICE_STACKS);
  });

  test('one KMS key for the images and one log key per service stack', () => {
    expect(count(templates.get(registryStack)!.template, 'AWS::KMS::Key')).toBe(1);
    for (const stack of services) expect(count(templates.get(stack)!.template, 'AWS::KMS::Key')).toBe(1);
  });
});
