/**
 * The library's own example apps and the benchmark apps synthesize with EcrBlueprintsChecks
 * registered: no error, and no warning either (every warning would be a default of the library
 * that its own checks object to).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { runChecks, withoutTemplateValidator } from './helpers';

withoutTemplateValidator();

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const examples = fs.readdirSync(EXAMPLES).filter(n => fs.existsSync(path.join(EXAMPLES, n, 'app.ts'))).sort();

test('examples are found', () => {
  expect(examples).toEqual(expect.arrayContaining(['fargate-service', 'secure-repository']));
});

test.each(examples)('example %s passes the checks', (name) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp } = require(path.join(EXAMPLES, name, 'app.ts')) as { buildApp(app?: App): App };
  const result = runChecks(app => {
    buildApp(app);
  });
  expect(result.error).toBeUndefined();
  expect(result.failed).toBe(false);
  expect(result.violations.map(v => `${v.severity} ${v.ruleName}: ${v.description}`)).toEqual([]);
});

test.each(['ours', 'hand-written'])('bench app %s (N = 3) passes the checks', (side) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp } = require(path.join(__dirname, '..', '..', 'bench', 'apps', side)) as { buildApp(app: App, count: number): Stack };
  const result = runChecks(app => {
    buildApp(app, 3);
  }, { context: { '@aws-cdk/core:stackResourceLimit': 0 } });
  expect(result.failed).toBe(false);
  expect(result.violations.map(v => `${v.severity} ${v.ruleName}: ${v.description}`)).toEqual([]);
});
