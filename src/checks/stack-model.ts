/**
 * The plain-data model the checks run over: every stack of the synthesized app with its parsed
 * template, read from the validation context aws-cdk-lib gives policy-validation plugins.
 * Internal: not part of the jsii API.
 */
import * as fs from 'fs';
import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IPolicyValidationContext } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { SynthesizedStack } from './finding';

/** The stacks of the validation context, each with its template read from disk. */
export function stacksOf(context: IPolicyValidationContext): SynthesizedStack[] {
  return context.stackTemplates.map(s => {
    const template = JSON.parse(fs.readFileSync(s.templatePath, 'utf-8'));
    return {
      constructPath: s.stackConstructPath,
      stackName: s.stackConstructPath.split('/').pop() ?? s.stackConstructPath,
      account: s.accountId,
      region: s.region,
      templatePath: s.templatePath,
      template,
    };
  });
}

/** One resource of a synthesized template. */
export interface TemplateResource {
  readonly stack: SynthesizedStack;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, any>;
  /** `aws:cdk:path` metadata, when the template has it. */
  readonly constructPath?: string;
}

/** The key of a resource: its stack's construct path and its logical id. */
export function resourceKey(stackPath: string, logicalId: string): string {
  return `${stackPath}\u0000${logicalId}`;
}

/**
 * The construct path of every CloudFormation element of the app, by `resourceKey`: templates carry
 * `aws:cdk:path` metadata only when the CLI asks for it, the construct tree always knows.
 */
export function constructPathsOf(root: IConstruct): Map<string, string> {
  const paths = new Map<string, string>();
  for (const c of root.node.findAll()) {
    if (!CfnElement.isCfnElement(c)) continue;
    const stack = Stack.of(c);
    paths.set(resourceKey(stack.node.path, stack.resolve(c.logicalId)), c.node.path);
  }
  return paths;
}

/**
 * Every resource of every stack, in template order. `paths` gives the construct paths when the
 * template has no `aws:cdk:path` metadata; it is called only when a path is read (for a finding),
 * so a clean app does not pay for walking the construct tree.
 */
export function resourcesOf(stacks: readonly SynthesizedStack[], paths: () => ReadonlyMap<string, string> = () => new Map()): TemplateResource[] {
  const out: TemplateResource[] = [];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries<any>(stack.template?.Resources ?? {})) {
      if (!resource || typeof resource !== 'object') continue;
      const metadataPath: string | undefined = resource.Metadata?.['aws:cdk:path'];
      out.push({
        stack,
        logicalId,
        type: String(resource.Type),
        properties: resource.Properties ?? {},
        get constructPath() {
          return metadataPath ?? paths().get(resourceKey(stack.constructPath, logicalId));
        },
      });
    }
  }
  return out;
}

/**
 * True when the value is a CloudFormation intrinsic (`Ref`, `Fn::*`, `Condition`): known only at
 * deployment, so no rule can decide it at synth.
 */
export function isIntrinsic(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition');
}

/** True when the value holds an intrinsic anywhere (in a list, an object, or a policy document). */
export function holdsIntrinsic(value: unknown): boolean {
  if (isIntrinsic(value)) return true;
  if (Array.isArray(value)) return value.some(holdsIntrinsic);
  if (value && typeof value === 'object') return Object.values(value).some(holdsIntrinsic);
  return false;
}

/** A JSON document given either as an object or as its text (CloudFormation accepts both). */
export function jsonDocument(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
