/**
 * The main job: synthesizes every example app into cdk.out/<example>/ and prints, per stack, the
 * resources, the repositories with their hardening, the lifecycle rules and the cdk-nag findings.
 *
 *   npx projen examples            # all examples
 *   npx projen examples -- NAME    # one example
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { nagFindings } from './compliance';
import { controlTowerFindings } from './control-tower';

interface ExampleModule { buildApp(app?: App): App }

const root = path.resolve(__dirname, '..');
const only = process.argv.slice(2);
const names = fs.readdirSync(path.join(root, 'examples'))
  .filter(n => fs.existsSync(path.join(root, 'examples', n, 'app.ts')))
  .filter(n => only.length === 0 || only.includes(n))
  .sort();

if (names.length === 0) {
  console.error(`no example found${only.length ? ` named ${only.join(', ')}` : ''}`);
  process.exit(1);
}

let failures = 0;
let controlFailures = 0;
for (const name of names) {
  const started = Date.now();
  const outdir = path.join(root, 'cdk.out', name);
  fs.rmSync(outdir, { recursive: true, force: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(root, 'examples', name, 'app.ts')) as ExampleModule;
  const app = mod.buildApp(new App({
    outdir,
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true },
  }));
  const assembly = app.synth();
  const findings = nagFindings(app);
  console.log(`\n== ${name} (${((Date.now() - started) / 1000).toFixed(1)} s) -> cdk.out/${name}`);
  for (const stack of assembly.stacks) {
    const resources: Record<string, any> = stack.template.Resources ?? {};
    const byType = new Map<string, number>();
    for (const r of Object.values(resources)) byType.set(r.Type, (byType.get(r.Type) ?? 0) + 1);
    console.log(`  stack ${stack.stackName} (${stack.environment.account}/${stack.environment.region}): ${Object.keys(resources).length} resources`);
    console.log(`    ${[...byType.entries()].map(([t, n]) => `${t.replace(/^AWS::/, '')} ${n}`).join(', ')}`);
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::ECR::Repository') continue;
      const p = r.Properties ?? {};
      const text = p.LifecyclePolicy?.LifecyclePolicyText;
      const rules = typeof text === 'string' ? (JSON.parse(text).rules as any[]) : [];
      const filters = (p.ImageTagMutabilityExclusionFilters ?? []).map((f: any) => f.ImageTagMutabilityExclusionFilterValue);
      console.log(`    repository ${p.RepositoryName ?? id}: ${p.ImageTagMutability ?? 'MUTABLE'}${filters.length ? ` (mutable: ${filters.join(', ')})` : ''}, ` +
        `${p.EncryptionConfiguration?.EncryptionType ?? 'AES256'}, scan on push ${p.ImageScanningConfiguration?.ScanOnPush ? 'on' : 'off'}, ` +
        `${r.DeletionPolicy ?? 'Delete'}, ${rules.length} lifecycle rules`);
      for (const rule of rules) console.log(`      ${rule.rulePriority}. ${rule.description ?? JSON.stringify(rule.selection)} [${rule.action.type}]`);
    }
    const mine = findings.filter(f => f.stack === stack.stackName);
    const controls = controlTowerFindings([stack.templateFullPath]);
    console.log(`    cdk-nag (5 packs): ${mine.length} unacknowledged findings; AWS Control Tower proactive controls: ${controls.length} failures`);
    for (const f of mine) console.log(`      ${f.rule} on ${f.resource}`);
    for (const f of controls) console.log(`      ${f.control} (${f.rule}) on ${f.resource}`);
    failures += mine.length;
    controlFailures += controls.length;
  }
}
console.log(`\n${names.length} examples synthesized into cdk.out/; ${failures} unacknowledged cdk-nag findings; ` +
  `${controlFailures} AWS Control Tower proactive control failures`);
process.exit(failures || controlFailures ? 1 : 0);
