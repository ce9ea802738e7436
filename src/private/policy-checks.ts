import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { message } from './validate';

/** True when the value holds CloudFormation intrinsics (the policy text is only known at deploy time). */
export function hasIntrinsics(resolved: unknown): boolean {
  return /"(Ref|Fn::[A-Za-z]+)"\s*:/.test(JSON.stringify(resolved ?? null));
}

/** A policy document resolved in the scope's stack: plain JSON, tokens as CloudFormation intrinsics. */
export function resolvedPolicy(scope: IConstruct, document: iam.PolicyDocument): unknown {
  return Stack.of(scope).resolve(document.toJSON()) ?? {};
}

/** A finding of a policy rule (the shape of `src/rules/resource-policy.ts`, without importing the layer above). */
export interface PolicyFindingLike {
  readonly level: string;
  readonly property: string;
  readonly value: unknown;
  readonly rule: string;
  readonly sid?: string;
}

/**
 * Turns policy findings into validation errors (`<path>: invalid <property> <value>: <rule>`) and
 * warnings (an annotation per finding, for the bounds that cannot be decided at synth).
 */
export function reportPolicyFindings(scope: IConstruct, property: string, findings: readonly PolicyFindingLike[]): string[] {
  const errors: string[] = [];
  for (const f of findings) {
    const where = `${property} ${f.property}${f.sid ? ` (statement ${f.sid})` : ''}`;
    if (f.level === 'error') {
      errors.push(message(scope, where, f.value, f.rule));
    } else {
      Annotations.of(scope).addWarningV2('cdk-ecr-blueprints:policyUndecided', message(scope, where, f.value, f.rule).replace(': invalid ', ': cannot check '));
    }
  }
  return errors;
}
