/**
 * Lint every synthesized template with cfn-lint: zero errors and zero warnings.
 *
 *   npx projen lint:cfn
 *
 * 1. Synthesizes every examples/<name>/ (through its cdk.json, with the CDK CLI) into cdk.out/examples/<name>/.
 * 2. Collects every `*.template.json` under cdk.out/, which also picks up what other steps write there
 *    (the option matrix of the unit tests in cdk.out/matrix/, the `examples` task).
 * 3. Runs cfn-lint once on all of them, for us-east-1 and every region a stack in cdk.out/ names.
 *
 * EXAMPLES_DIR=<dir> lints the examples of another folder (used to test this script).
 *
 * cfn-lint's exit code is a bit set (2 error, 4 warning, 8 informational); only informational passes.
 * If cfn-lint is not installed: fails when CI is set, otherwise skips loudly.
 *
 * Suppressions: none. A false positive goes in SUPPRESSIONS below with the rule id and the reason;
 * never a whole category.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_REGION, discoverExamples, findTemplates, REPO_ROOT, synthExample } from './e2e/examples';
import { commandWorks, lastLines, run } from './e2e/exec';

const CFN_LINT = process.env.CFN_LINT ?? 'cfn-lint';
const CDK_OUT = path.join(REPO_ROOT, 'cdk.out');
const EXAMPLES_OUT = path.join(CDK_OUT, 'examples');

/** Rules that are wrong about CDK output, each with the reason it is safe to ignore. */
const SUPPRESSIONS: ReadonlyArray<{ readonly rule: string; readonly reason: string }> = [];

async function main(): Promise<number> {
  const started = Date.now();
  if (!await commandWorks(CFN_LINT)) {
    if (process.env.CI) {
      console.error(`lint:cfn: ${CFN_LINT} is not installed, and CI is set: failing (install cfn-lint >= 1 or set CFN_LINT)`);
      return 1;
    }
    const bar = '!'.repeat(78);
    console.error(`${bar}\nlint:cfn: SKIPPED: ${CFN_LINT} is not installed (pip install cfn-lint). CI would fail here.\n${bar}`);
    return 0;
  }

  const examplesDir = path.resolve(process.env.EXAMPLES_DIR ?? path.join(REPO_ROOT, 'examples'));
  const examples = discoverExamples(examplesDir);
  fs.rmSync(EXAMPLES_OUT, { recursive: true, force: true });
  // cfn-lint is the check here; aws-cdk-lib's own validator would only repeat it at ~6 s per stack.
  const env = { ...process.env, CDK_VALIDATION: 'false', CDK_DISABLE_CLI_TELEMETRY: 'true', NODE_NO_WARNINGS: '1' };
  for (const example of examples) {
    // No context lookups: they would call AWS, and a template must not depend on who synthesized it.
    const result = await synthExample(example, path.join(EXAMPLES_OUT, example.name), env, { lookups: false });
    if (result.code !== 0) {
      const lookups = /lookups/i.test(result.stdout + result.stderr)
        ? ' (it needs context lookups: commit its cdk.context.json, or avoid lookups, e.g. explicit availabilityZones on a Vpc)' : '';
      console.error(`lint:cfn: synth of example ${example.name} failed (exit code ${result.code})${lookups}:\n` +
        lastLines(result.stdout + result.stderr, 20));
      return 1;
    }
    console.log(`synthesized ${example.name} (${result.seconds.toFixed(1)} s)`);
  }

  const templates = findTemplates(CDK_OUT);
  if (templates.length === 0) {
    console.error(`lint:cfn: no *.template.json under ${path.relative(REPO_ROOT, CDK_OUT)}/ (no examples in ${path.relative(REPO_ROOT, examplesDir)}/ either)`);
    return 1;
  }
  // Each template is linted for the region its stack deploys to (a resource type that exists in one
  // region only, such as AWS::ECR::PublicRepository, is right there and wrong elsewhere); templates
  // of environment-agnostic stacks, and bare ones, for every region the app names.
  const regionOf = templateRegions(CDK_OUT);
  const allRegions = regionsIn(CDK_OUT);
  const groups = new Map<string, string[]>();
  for (const template of templates) {
    const key = (regionOf.get(path.resolve(template)) ? [regionOf.get(path.resolve(template))!] : allRegions).join(' ');
    groups.set(key, [...(groups.get(key) ?? []), template]);
  }
  const ignore = SUPPRESSIONS.length > 0 ? ['--ignore-checks', ...SUPPRESSIONS.map(s => s.rule)] : [];
  console.log(`cfn-lint on ${templates.length} template(s), regions ${allRegions.join(' ')} (${groups.size} call(s), one per region set)`);
  const outputs: Array<{ stdout: string; stderr: string; code: number | null }> = [];
  for (const [regions, group] of groups) {
    outputs.push(await run(CFN_LINT, ['--format', 'parseable', '--regions', ...regions.split(' '), ...ignore, '--', ...group], {
      cwd: REPO_ROOT,
      timeoutMs: 15 * 60_000,
    }));
  }
  // The worst exit code of the calls (cfn-lint's is a bit set; a missing code means it was killed).
  const result = {
    stdout: outputs.map(o => o.stdout).join('\n'),
    stderr: outputs.map(o => o.stderr).join('\n'),
    code: outputs.some(o => o.code === null) ? null : unionOfBits(outputs.map(o => o.code ?? 0)),
  };

  const findings = result.stdout.split('\n').filter(line => line.trim() !== '');
  const counts = { E: 0, W: 0, I: 0 };
  for (const line of findings) {
    // file:line:col:endLine:endCol:RULE:message
    const match = /^(.*?):(\d+):(\d+):\d+:\d+:([EWI])(\d+):(.*)$/.exec(line);
    if (match) {
      counts[match[4] as 'E' | 'W' | 'I']++;
      console.log(`  ${match[4]}${match[5]} ${path.relative(REPO_ROOT, match[1])}:${match[2]}:${match[3]} ${match[6]}`);
    } else {
      console.log(`  ${line}`);
    }
  }
  if (result.stderr.trim()) {
    console.log(lastLines(result.stderr, 20, '  '));
  }
  const code = result.code ?? 1;
  const hasBit = (bit: number) => Math.floor(code / bit) % 2 === 1;
  // Bit 1 is a fatal error (no template could be read); 2 and 4 are errors and warnings; 8 passes.
  const failed = result.code === null || hasBit(1) || hasBit(2) || hasBit(4) || code >= 16;
  console.log(`cfn-lint exit code ${result.code}: ${counts.E} error(s), ${counts.W} warning(s), ${counts.I} informational ` +
    `in ${templates.length} template(s) (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  for (const s of SUPPRESSIONS) {
    console.log(`  suppressed ${s.rule}: ${s.reason}`);
  }
  console.log(failed ? 'lint:cfn FAILED' : 'lint:cfn passed');
  return failed ? 1 : 0;
}

/** The bits set in any of the exit codes (cfn-lint's exit code is a bit set: 1, 2, 4, 8, 16). */
function unionOfBits(codes: number[]): number {
  let union = 0;
  for (let bit = 1; bit <= 16; bit *= 2) {
    if (codes.some(c => Math.floor(c / bit) % 2 === 1)) union += bit;
  }
  return union;
}

/** The region of each template (absolute path) whose stack names one, from the manifests under `dir`. */
function templateRegions(dir: string): Map<string, string> {
  const regions = new Map<string, string>();
  const visit = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('asset.')) {
        visit(full);
      } else if (entry.name === 'manifest.json') {
        const manifest = JSON.parse(fs.readFileSync(full, 'utf-8'));
        for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
          const region = /^aws:\/\/[^/]+\/([a-z0-9-]+)$/.exec(artifact.environment ?? '')?.[1];
          const file = artifact.properties?.templateFile;
          if (artifact.type === 'aws:cloudformation:stack' && region && region !== 'unknown-region' && typeof file === 'string') {
            regions.set(path.resolve(current, file), region);
          }
        }
      }
    }
  };
  visit(dir);
  return regions;
}

/** The default region (env-agnostic stacks, bare templates) and every region a stack under `dir` names. */
function regionsIn(dir: string): string[] {
  return [...new Set([DEFAULT_REGION, ...templateRegions(dir).values()])].sort();
}

main().then(code => process.exit(code), (error: unknown) => {
  console.error('lint:cfn: unexpected error');
  console.error(error);
  process.exit(2);
});
