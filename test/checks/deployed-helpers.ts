import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LifecycleImage, LifecyclePolicy } from '../../src';
import { analyzeDeployedImages } from '../../src/checks/deployed-images';
import { Finding, SynthesizedStack } from '../../src/checks/finding';

export const DIGEST = `sha256:${'a1'.repeat(32)}`;
export const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

/** The stacks of a synthesized app, as the app-wide checks receive them. */
export function synthesizedStacks(app: App): SynthesizedStack[] {
  return app.synth().stacks.map(s => ({
    constructPath: s.hierarchicalId,
    stackName: s.stackName,
    account: s.environment.account === 'unknown-account' ? undefined : s.environment.account,
    region: s.environment.region === 'unknown-region' ? undefined : s.environment.region,
    templatePath: s.templateFullPath,
    template: s.template,
  }));
}

/** The app-wide deployed-image findings of an app. */
export function findings(app: App): Finding[] {
  return analyzeDeployedImages(synthesizedStacks(app));
}

/** The lifecycle policy text of the repository (or creation template) of `stack` whose logical id starts with `prefix`. */
export function policyText(stack: Stack, prefix: string): string {
  const template = Template.fromStack(stack).toJSON();
  const entries = Object.entries<any>(template.Resources).filter(([id, r]) => id.startsWith(prefix) &&
    ['AWS::ECR::Repository', 'AWS::ECR::RepositoryCreationTemplate'].includes(r.Type));
  if (entries.length !== 1) throw new Error(`expected one repository or template ${prefix}*, found ${entries.map(([id]) => id).join(', ')}`);
  const [, resource] = entries[0];
  const text = resource.Type === 'AWS::ECR::Repository' ? resource.Properties.LifecyclePolicy?.LifecyclePolicyText : resource.Properties.LifecyclePolicy;
  if (typeof text !== 'string') throw new Error(`the lifecycle policy of ${entries[0][0]} is not a string: ${JSON.stringify(text)}`);
  return text;
}

/**
 * A plausible history: the deployed images are the oldest, pushed 200 days ago and pulled every day,
 * then 150 newer release builds, and an untagged image for each digest-only deployment. Without
 * protection, "keep the newest 100 tagged images" expires every deployed tag, and "expire untagged
 * images after 14 days" every untagged one.
 */
export function history(deployed: Array<{ tag?: string; digest?: string }>): LifecycleImage[] {
  const old = new Date(NOW.getTime() - 200 * DAY);
  const yesterday = new Date(NOW.getTime() - DAY);
  const images: LifecycleImage[] = deployed.map((d, i) => ({
    digest: d.digest ?? `sha256:${(0xd0000 + i).toString(16).padStart(64, '0')}`,
    tags: d.tag !== undefined ? [d.tag] : [],
    pushedAt: old,
    lastPulledAt: yesterday,
  }));
  for (let i = 0; i < 150; i++) {
    images.push({ digest: `sha256:${i.toString(16).padStart(64, '0')}`, tags: [`build-${i}`], pushedAt: new Date(old.getTime() + (i + 1) * DAY) });
  }
  return images;
}

/** What the policy text does to the deployed images of `history(deployed)`: their results (empty = all kept). */
export function actedOnDeployed(text: string, deployed: Array<{ tag?: string; digest?: string }>): string[] {
  const images = history(deployed);
  const wanted = new Set(images.slice(0, deployed.length).map(i => i.digest));
  return LifecyclePolicy.fromJson(text).evaluate(images, NOW)
    .filter(r => wanted.has(r.digest))
    .map(r => `${r.tags.join(',') || r.digest}: rule ${r.rulePriority} ${r.action}`);
}
