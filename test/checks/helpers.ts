/**
 * Runs an app with EcrBlueprintsChecks registered, the way `cdk synth` does, and returns what the
 * validation report says: whether synth failed, the plugin's violations and the acknowledged ones.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps, Validations } from 'aws-cdk-lib';
import { EcrBlueprintsChecks } from '../../src';

export interface CheckedViolation {
  readonly ruleName: string;
  readonly severity: string;
  readonly description: string;
  readonly suggestedFix?: string;
  readonly ruleMetadata?: Record<string, string>;
  readonly violatingConstructs: Array<{ constructPath: string; cloudFormationResource?: { logicalId: string; propertyPaths: string[] } }>;
}

export interface CheckResult {
  /** Whether synth stopped (an error-level finding that is not acknowledged). */
  readonly failed: boolean;
  /** The message synth failed with, if it did. */
  readonly error?: string;
  readonly violations: CheckedViolation[];
  /** The plugin's report as aws-cdk-lib wrote it. */
  readonly report: any;
}

/** Builds the app with `build`, registers the plugin, synthesizes and reads the validation report. */
export function runChecks(build: (app: App) => void, props: AppProps = {}): CheckResult {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecrb-checks-'));
  try {
    const app = new App({ ...props, outdir });
    Validations.of(app).addPlugins(new EcrBlueprintsChecks());
    build(app);
    let error: string | undefined;
    // aws-cdk-lib prints the report (warnings included) to stderr; the tests read the JSON report instead.
    const stderr = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      app.synth();
    } catch (e) {
      error = (e as Error).message;
    } finally {
      stderr.mockRestore();
    }
    const file = path.join(outdir, 'validation-report.json');
    const json = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf-8')) : { pluginReports: [] };
    const report = json.pluginReports.find((r: any) => r.pluginName === EcrBlueprintsChecks.PLUGIN_NAME);
    if (error !== undefined && !report) throw new Error(error);
    return { failed: error !== undefined, error, violations: report?.violations ?? [], report };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The violations of one rule. */
export function ofRule(result: CheckResult, ruleId: string): CheckedViolation[] {
  return result.violations.filter(v => v.ruleName === ruleId);
}

/** Rule ids of the violations with the given severity, sorted and unique. */
export function ruleIds(result: CheckResult, severity?: string): string[] {
  return [...new Set(result.violations.filter(v => severity === undefined || v.severity === severity).map(v => v.ruleName))].sort();
}

/** Turns off aws-cdk-lib's own template validator for the tests of a file (it is not what is tested, and costs a second per synth). */
export function withoutTemplateValidator(): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'false';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  });
}
