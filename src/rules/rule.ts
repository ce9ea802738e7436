/*
 * The shape of every rule of the library (cdk-nag's shape): data that says what the rule is and
 * where it comes from, and one pure function over plain data that returns the violations. The
 * constructs call the function where a value arrives and throw on the first violation; the app-wide
 * checks call the same function over the synthesized template's properties. Internal: not part of
 * the jsii API.
 */

/** An error stops synth; a warning is reported and synth goes on. */
export type RuleLevel = 'error' | 'warning';

/** What a rule is: a stable id, its level, what it checks and the AWS text it comes from. */
export interface RuleDefinition {
  /** Stable id, for acknowledgements and docs/validation.md (for example `ECRB-REPO-NAME`). */
  readonly id: string;
  readonly level: RuleLevel;
  /** What the rule checks, in one sentence. */
  readonly description: string;
  /** The AWS documentation (API model, user guide, control) the rule enforces. */
  readonly source: string;
}

import type { Violation } from '../private/validate';

export type { Violation };

/** Builds a violation of `definition`. */
export function violation(definition: RuleDefinition, property: string, value: unknown, rule: string): Violation {
  return { ruleId: definition.id, level: definition.level, property, value, rule };
}
