/**
 * What the app-wide checks read and report. Internal: the checks plugin and the analyses that run
 * over synthesized templates share these shapes; none of them is part of the jsii API.
 */

/** A finding stops synth (`error`) or is reported and lets synth go on (`warning`). */
export type FindingSeverity = 'error' | 'warning';

/** One stack of the synthesized app, as the checks see it. */
export interface SynthesizedStack {
  /** The stack's construct path, for example `Platform` or `Stage/Services`. */
  readonly constructPath: string;
  /** The stack name CloudFormation deploys. */
  readonly stackName: string;
  /** The stack's account, when concrete. */
  readonly account?: string;
  /** The stack's region, when concrete. */
  readonly region?: string;
  /** Where the template was written, when it was. */
  readonly templatePath?: string;
  /** The synthesized template (parsed JSON). */
  readonly template: any;
}

/** One problem found in a synthesized resource. */
export interface Finding {
  /** Stable rule id, for acknowledgements (for example `ECRB-ECS-LATEST`). */
  readonly ruleId: string;
  readonly severity: FindingSeverity;
  /** The construct path of the stack that holds the resource. */
  readonly stack: string;
  readonly templatePath?: string;
  /** The resource's logical id in its template. */
  readonly logicalId: string;
  /** The resource's construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly constructPath?: string;
  /** The property at fault, for example `ContainerDefinitions[0].Image`. */
  readonly property: string;
  /** The value received, as the template has it. */
  readonly value?: unknown;
  /** The rule in words, and what the value would do. */
  readonly message: string;
  /** The AWS documentation the rule comes from. */
  readonly source?: string;
  /** How to fix it. */
  readonly fix?: string;
}
