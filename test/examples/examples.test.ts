/**
 * Every example app: synthesizes with aws-cdk-lib's template validator in error mode, has zero
 * unacknowledged findings in the five cdk-nag packs, passes the AWS Control Tower proactive
 * controls, and matches its snapshot.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { nagFindings } from '../../scripts/compliance';
import { controlTowerFindings } from '../../scripts/control-tower';
import { stableTemplate } from '../util/snapshot';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const names = fs.readdirSync(EXAMPLES).filter(n => fs.existsSync(path.join(EXAMPLES, n, 'app.ts'))).sort();

function validatingApp(): App {
  return new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
}

test('examples are found', () => {
  expect(names).toContain('secure-repository');
});

describe.each(names)('example %s', (name) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp } = require(path.join(EXAMPLES, name, 'app.ts')) as { buildApp(app?: App): App };
  const app = buildApp(validatingApp());
  let stacks: Stack[] = [];

  test('synthesizes with the template validator in error mode', () => {
    const assembly = app.synth();
    stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
    expect(assembly.stacks.length).toBeGreaterThan(0);
    // Warnings of the validator are not tolerated either.
    const report = path.join(assembly.directory, 'validation-report.json');
    const violations = fs.existsSync(report)
      ? JSON.parse(fs.readFileSync(report, 'utf8')).pluginReports.flatMap((r: any) => r.violations)
      : [];
    expect(violations).toEqual([]);
  });

  test('has no unacknowledged cdk-nag findings (AwsSolutions, HIPAA, NIST 800-53 R5, PCI DSS 3.2.1, Serverless)', () => {
    expect(nagFindings(app)).toEqual([]);
  });

  test('has no Lambda-backed custom resource (no Custom:: resource, no Lambda function)', () => {
    const types = app.synth().stacks.flatMap(s => Object.values<any>(s.template.Resources ?? {}).map(r => String(r.Type)));
    expect(types.filter(t => /^(Custom::|AWS::CloudFormation::CustomResource$|AWS::Lambda::)/.test(t))).toEqual([]);
  });

  test('passes the AWS Control Tower proactive controls (cfn-guard)', () => {
    const assembly = app.synth();
    expect(controlTowerFindings(assembly.stacks.map(s => s.templateFullPath))).toEqual([]);
  });

  test('matches the snapshot', () => {
    for (const stack of stacks) {
      const template = app.synth().getStackByName(stack.stackName).template;
      expect(stableTemplate(template)).toMatchSnapshot(stack.stackName);
    }
  });
});

describe('the compliance checks can fail', () => {
  test('the template validator rejects an invalid property value in error mode', () => {
    const app = validatingApp();
    const stack = new Stack(app, 'Bad');
    new ecr.CfnRepository(stack, 'Repo', { repositoryName: 'Not A Name' });
    expect(() => app.synth()).toThrow(/F3031|does not match pattern/);
  });

  test('cdk-nag reports a key without rotation', () => {
    const app = new App();
    const stack = new Stack(app, 'Weak');
    new kms.Key(stack, 'Key');
    expect(nagFindings(app).map(f => f.rule)).toContain('AwsSolutions-KMS5');
  });
});
