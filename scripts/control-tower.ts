/**
 * Runs the AWS Control Tower proactive controls (the cfn-guard rules bundled with
 * `@cdklabs/cdk-validator-cfnguard`, with its bundled cfn-guard binary, offline) over synthesized
 * templates and returns the failures. One cfn-guard call covers every template: the rules are read
 * once and each template is checked against all of them (about a second for a few templates).
 *
 * The binary is run directly rather than through the `CfnGuardValidator` plugin: the plugin
 * reports some failures without locations, and one acknowledgement can turn its whole report green.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface ControlTowerFinding {
  /** The control id, for example `CT.KMS.PR.3`. */
  readonly control: string;
  /** The cfn-guard rule name, for example `kms_create_grant_aws_service_check`. */
  readonly rule: string;
  /** The logical id of the failing resource. */
  readonly resource: string;
  /** The template file. */
  readonly template: string;
}

const PACKAGE = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const RULES = path.join(PACKAGE, 'rules', 'control-tower', 'cfn-guard');

function binary(): string {
  const arch = os.arch() === 'arm64' ? 'aarch64' : 'x86_64';
  const platform = os.platform() === 'darwin' ? 'macos' : 'ubuntu';
  return path.join(PACKAGE, 'bin', platform, arch, 'cfn-guard');
}

/** The Control Tower failures of the given template files. */
export function controlTowerFindings(templates: string[]): ControlTowerFinding[] {
  if (templates.length === 0) return [];
  let output: string;
  try {
    output = execFileSync(binary(), ['validate', '-r', RULES, ...templates.flatMap(t => ['-d', t]), '-o', 'json', '-z', '-S', 'none'],
      { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  } catch (e: any) {
    // cfn-guard exits 19 when a rule fails; the report is still on stdout.
    if (e.status !== 19 || typeof e.stdout !== 'string') throw e;
    output = e.stdout;
  }
  const findings: ControlTowerFinding[] = [];
  for (const report of JSON.parse(output) as any[]) {
    for (const failure of report.not_compliant ?? []) {
      const rule: string = failure.Rule?.name ?? '<unknown>';
      const text = JSON.stringify(failure);
      const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(text)?.[1] ?? rule;
      const resources = new Set([...text.matchAll(/\/Resources\/([A-Za-z0-9]+)/g)].map(m => m[1]));
      if (resources.size === 0) resources.add('<template>');
      for (const resource of resources) findings.push({ control, rule, resource, template: report.name });
    }
  }
  return findings;
}

/** The Control Tower failures of every template under an assembly directory (nested assemblies included). */
export function controlTowerFindingsOfDirectory(directory: string): ControlTowerFinding[] {
  const templates: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.template.json')) templates.push(full);
    }
  };
  walk(directory);
  return controlTowerFindings(templates.sort());
}
