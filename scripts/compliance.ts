/**
 * Runs the five cdk-nag packs over an app and returns the unacknowledged findings.
 * Shared by the examples summary (`npx projen examples`) and the compliance tests.
 */
import { App, Stack } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';

export interface NagFinding {
  readonly pack: string;
  readonly rule: string;
  readonly resource: string;
  readonly stack: string;
}

export const NAG_PACK_NAMES = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321', 'Serverless'];

function packs(scope: IConstruct): NagPack[] {
  return [
    new AwsSolutionsChecks(scope),
    new HIPAASecurityChecks(scope),
    new NIST80053R5Checks(scope),
    new PCIDSS321Checks(scope),
    new ServerlessChecks(scope),
  ];
}

/** Unacknowledged cdk-nag findings of every stack in the app, from all five packs. */
export function nagFindings(app: App): NagFinding[] {
  const findings: NagFinding[] = [];
  const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  for (const stack of stacks) {
    for (const pack of packs(stack)) {
      const report = pack.validateScope(stack);
      for (const violation of report.violations) {
        for (const resource of violation.violatingResources) {
          findings.push({ pack: pack.readPackName, rule: violation.ruleName, resource: resource.constructPath ?? resource.resourceLogicalId ?? '<unknown>', stack: stack.stackName });
        }
      }
    }
  }
  return findings;
}
