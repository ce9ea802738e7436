/**
 * One measurement, in a fresh process started by bench/run.ts:
 *
 *   node --import tsx bench/measure.ts <hand-written|ours> <single|platform> <repositories> <outdir>
 *
 * Loads the app module, builds and synthesizes it once with one repository into a throwaway
 * directory (so module loading and tsx transpilation of the library are not timed, for either side),
 * then times building and synthesizing the app with N repositories. Prints one JSON line.
 *
 * With BENCH_CHECKS=1, EcrBlueprintsChecks is registered on the ours app (on both apps with
 * BENCH_CHECKS_ALL_SIDES=1, as bench/run.ts and bench/checks.ts do), so the
 * time includes the plugin's run over the synthesized templates; with BENCH_CHECKS=noop, a plugin
 * that reports nothing (what aws-cdk-lib itself spends on any registered plugin).
 *
 * The template validator is off (CDK_VALIDATION=false, set by the parent). CloudFormation's
 * 500-resource limit check is off as well: N = 800 makes one stack of about 5,000 resources, which a
 * real app would split; the cost per repository is what is measured.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { monthlyCost } from './cost';
import { EcrBlueprintsChecks } from 'cdk-ecr-blueprints';

interface AppModule {
  buildApp(app: App, count: number): Stack;
  buildPlatform(app: App, count: number): Stack;
}

type Shape = 'single' | 'platform';

const CONTEXT = {
  // Measure what `cdk synth` does: the CLI turns off construct creation stack traces.
  'aws:cdk:disable-stack-trace': true,
  '@aws-cdk/core:stackResourceLimit': 0,
};

/**
 * Wall and CPU (user + system, all threads) milliseconds of building and synthesizing the app, and
 * the CPU milliseconds spent inside EcrBlueprintsChecks' validate() when it is registered
 * (BENCH_CHECKS=1, or `--checks` on the ours side).
 */
function synth(mod: AppModule, shape: Shape, count: number, outdir: string, checks: boolean): { ms: number; cpuMs: number; checksCpuMs?: number } {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const app = new App({ outdir, context: CONTEXT });
  let checksCpuMs: number | undefined;
  if (process.env.BENCH_CHECKS === 'noop') {
    // What aws-cdk-lib spends on any registered plugin (the construct tree, the report), for comparison.
    Validations.of(app).addPlugins({ name: 'Noop', validate: () => ({ success: true, violations: [] }) });
  }
  if (checks) {
    const plugin = new EcrBlueprintsChecks();
    const validate = plugin.validate.bind(plugin);
    plugin.validate = (context) => {
      const before = process.cpuUsage();
      try {
        return validate(context);
      } finally {
        const spent = process.cpuUsage(before);
        checksCpuMs = (checksCpuMs ?? 0) + (spent.user + spent.system) / 1000;
      }
    };
    Validations.of(app).addPlugins(plugin);
  }
  (shape === 'platform' ? mod.buildPlatform : mod.buildApp)(app, count);
  app.synth();
  const used = process.cpuUsage(cpu);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (used.user + used.system) / 1000, checksCpuMs };
}

function main(): void {
  const [side, shapeText, countText, outdir] = process.argv.slice(2);
  const count = Number(countText);
  const shape = shapeText as Shape;
  if (!side || !['single', 'platform'].includes(shape) || !Number.isInteger(count) || count < 1 || !outdir) {
    throw new Error('usage: measure.ts <hand-written|ours> <single|platform> <repositories> <outdir>');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, 'apps', side)) as AppModule;
  // The library's checks run on the ours side; bench/checks.ts also measures them on the hand-written app.
  const checks = process.env.BENCH_CHECKS === '1' && (side === 'ours' || process.env.BENCH_CHECKS_ALL_SIDES === '1');

  synth(mod, shape, 1, path.join(outdir, 'warm-up'), checks);
  const { ms, cpuMs, checksCpuMs } = synth(mod, shape, count, path.join(outdir, 'measured'), checks);

  let templateBytes = 0;
  let resources = 0;
  const types: Record<string, number> = {};
  const measured = path.join(outdir, 'measured');
  const templates: any[] = [];
  // The largest stack, for CloudFormation's quotas per stack.
  const largest = { resources: 0, outputs: 0, bytes: 0 };
  const files = fs.readdirSync(measured).filter(f => f.endsWith('.template.json'));
  for (const file of files) {
    const text = fs.readFileSync(path.join(measured, file), 'utf-8');
    const template = JSON.parse(text);
    templates.push(template);
    templateBytes += Buffer.byteLength(text);
    largest.bytes = Math.max(largest.bytes, Buffer.byteLength(text));
    largest.resources = Math.max(largest.resources, Object.keys(template.Resources ?? {}).length);
    largest.outputs = Math.max(largest.outputs, Object.keys(template.Outputs ?? {}).length);
    for (const resource of Object.values<any>(template.Resources ?? {})) {
      resources++;
      types[resource.Type] = (types[resource.Type] ?? 0) + 1;
    }
  }
  const cost = monthlyCost(templates);
  // maxRSS is the process's high-water mark in KiB.
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const stacks = files.length;
  console.log(JSON.stringify({ side, shape, count, ms, cpuMs, checksCpuMs, peakRssMiB, templateBytes, resources, types, stacks, largest, cost }));
}

main();
