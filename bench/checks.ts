/**
 * What registering EcrBlueprintsChecks costs at synth:
 *
 *   npx tsx bench/checks.ts            # N = 200, 5 runs per app and setting
 *   BENCH_SIZES=50,200 BENCH_RUNS=3 npx tsx bench/checks.ts
 *
 * For each benchmark app (bench/apps/ours.ts and bench/apps/hand-written.ts) and size, times
 * building and synthesizing the app without a plugin, with a plugin that reports nothing (what
 * aws-cdk-lib spends on any plugin) and with EcrBlueprintsChecks (bench/measure.ts, each in a fresh
 * process, the order rotated within a run). Reports the medians and minimums, and the CPU time
 * spent inside the plugin's validate() as a share of the synth CPU time without it (the figure
 * least disturbed by other work on the machine).
 * Target (issue 12): at most 10% more synth time at N = 200. Exits 1 when it is missed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO_ROOT = path.resolve(__dirname, '..');
const WORK_DIR = path.join(REPO_ROOT, '.bench', 'checks');
const TARGET = 0.10;
const SIDES = ['ours', 'hand-written'];

interface Sample {
  readonly ms: number;
  readonly cpuMs: number;
  readonly checksCpuMs?: number;
}

type Setting = 'off' | 'noop' | 'on';

function measure(side: string, count: number, setting: Setting, outdir: string): Sample {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'measure.ts'), side, 'single', String(count), outdir], {
    cwd: REPO_ROOT,
    encoding: 'utf-8',
    env: {
      ...process.env,
      CDK_VALIDATION: 'false',
      BENCH_CHECKS: setting === 'on' ? '1' : setting === 'noop' ? 'noop' : '0',
      BENCH_CHECKS_ALL_SIDES: '1',
      TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.json'),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(outdir, { recursive: true, force: true });
  const line = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`${side} N=${count} ${setting} failed (exit code ${result.status}):\n${(result.stderr ?? '').trim().split('\n').slice(-15).join('\n')}`);
  }
  return JSON.parse(line) as Sample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function list(name: string, fallback: number[]): number[] {
  const text = process.env[name];
  if (!text) return fallback;
  const values = text.split(',').map(Number);
  if (values.some(v => !Number.isInteger(v) || v < 1)) throw new Error(`${name} must be a comma-separated list of positive integers`);
  return values;
}

function main(): number {
  const sizes = list('BENCH_SIZES', [200]);
  const runs = list('BENCH_RUNS', [5])[0];
  const load = os.loadavg()[0];
  const lines = [
    `| N | app | synth CPU without / with a no-op plugin / with checks (median of ${runs}) | minimum of each | ` +
      'CPU in the plugin | plugin share | synth wall without / with checks | wall overhead |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  let missed = false;
  for (const count of sizes) {
    for (const side of SIDES) {
      const samples: Record<Setting, Sample[]> = { off: [], noop: [], on: [] };
      const order: Setting[] = ['off', 'noop', 'on'];
      for (let run = 1; run <= runs; run++) {
        // Rotate the order within a run so that drift of the machine hits every setting alike.
        for (const setting of [...order.slice(run % 3), ...order.slice(0, run % 3)]) {
          const sample = measure(side, count, setting, path.join(WORK_DIR, `${side}-${count}-${run}-${setting}`));
          samples[setting].push(sample);
          process.stdout.write(`  N=${count} ${side} ${setting} run ${run}: ${sample.ms.toFixed(0)} ms wall, ${sample.cpuMs.toFixed(0)} ms CPU` +
            `${sample.checksCpuMs !== undefined ? `, ${sample.checksCpuMs.toFixed(0)} ms CPU in the plugin` : ''}\n`);
        }
      }
      const cpu = (setting: Setting) => median(samples[setting].map(s => s.cpuMs));
      const minCpu = (setting: Setting) => Math.min(...samples[setting].map(s => s.cpuMs));
      const wall = (setting: Setting) => median(samples[setting].map(s => s.ms));
      const plugin = median(samples.on.map(s => s.checksCpuMs ?? 0));
      const share = plugin / cpu('off');
      if (count === 200 && share > TARGET) missed = true;
      lines.push(`| ${count} | ${side} | ${cpu('off').toFixed(0)} / ${cpu('noop').toFixed(0)} / ${cpu('on').toFixed(0)} ms | ` +
        `${minCpu('off').toFixed(0)} / ${minCpu('noop').toFixed(0)} / ${minCpu('on').toFixed(0)} ms | ${plugin.toFixed(0)} ms | ${pct(share)} | ` +
        `${wall('off').toFixed(0)} / ${wall('on').toFixed(0)} ms | ${pct(wall('on') / wall('off') - 1)} |`);
    }
  }
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  console.log(`\n${lines.join('\n')}\n`);
  console.log(`Target: the plugin adds at most ${(TARGET * 100).toFixed(0)}% to the synth time at N = 200 (plugin share: ${missed ? 'MISSED' : 'met'}). ` +
    `Load average ${load.toFixed(1)} at start on ${os.availableParallelism()} CPUs.`);
  return missed ? 1 : 0;
}

process.exitCode = main();
