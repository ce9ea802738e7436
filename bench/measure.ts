/**
 * One measurement, in a fresh process started by bench/run.ts:
 *
 *   node --import tsx bench/measure.ts <hand-written|ours> <repositories> <outdir>
 *
 * Loads the app module, builds and synthesizes it once with one repository into a throwaway
 * directory (so module loading and tsx transpilation of the library are not timed, for either side),
 * then times building and synthesizing the app with N repositories. Prints one JSON line.
 *
 * With BENCH_CHECKS=1 (bench/checks.ts), EcrBlueprintsChecks is registered on the app, so the
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
import { EcrBlueprintsChecks } from 'cdk-ecr-blueprints';

interface AppModule {
  buildApp(app: App, count: number): Stack;
}

const CONTEXT = {
  // Measure what `cdk synth` does: the CLI turns off construct creation stack traces.
  'aws:cdk:disable-stack-trace': true,
  '@aws-cdk/core:stackResourceLimit': 0,
};

/**
 * Wall and CPU (user + system, all threads) milliseconds of building and synthesizing the app, and
 * the CPU milliseconds spent inside EcrBlueprintsChecks' validate() when it is registered.
 */
function synth(mod: AppModule, count: number, outdir: string): { ms: number; cpuMs: number; checksCpuMs?: number } {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const app = new App({ outdir, context: CONTEXT });
  let checksCpuMs: number | undefined;
  if (process.env.BENCH_CHECKS === 'noop') {
    // What aws-cdk-lib spends on any registered plugin (the construct tree, the report), for comparison.
    Validations.of(app).addPlugins({ name: 'Noop', validate: () => ({ success: true, violations: [] }) });
  }
  if (process.env.BENCH_CHECKS === '1') {
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
  mod.buildApp(app, count);
  app.synth();
  const used = process.cpuUsage(cpu);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (used.user + used.system) / 1000, checksCpuMs };
}

function main(): void {
  const [side, countText, outdir] = process.argv.slice(2);
  const count = Number(countText);
  if (!side || !Number.isInteger(count) || count < 1 || !outdir) {
    throw new Error('usage: measure.ts <hand-written|ours> <repositories> <outdir>');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, 'apps', side)) as AppModule;

  synth(mod, 1, path.join(outdir, 'warm-up'));
  const { ms, cpuMs, checksCpuMs } = synth(mod, count, path.join(outdir, 'measured'));

  let templateBytes = 0;
  let resources = 0;
  const types: Record<string, number> = {};
  const measured = path.join(outdir, 'measured');
  for (const file of fs.readdirSync(measured).filter(f => f.endsWith('.template.json'))) {
    const text = fs.readFileSync(path.join(measured, file), 'utf-8');
    templateBytes += Buffer.byteLength(text);
    for (const resource of Object.values<any>(JSON.parse(text).Resources ?? {})) {
      resources++;
      types[resource.Type] = (types[resource.Type] ?? 0) + 1;
    }
  }
  // maxRSS is the process's high-water mark in KiB.
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ side, count, ms, cpuMs, checksCpuMs, peakRssMiB, templateBytes, resources, types }));
}

main();
