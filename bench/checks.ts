/**
 * What registering EcrBlueprintsChecks costs at synth:
 *
 *   npx tsx bench/checks.ts            # N = 200, 5 runs per app and setting
 *   BENCH_SIZES=50,200 BENCH_RUNS=3 npx tsx bench/checks.ts
 *
 * For each benchmark app (bench/apps/ours.ts and bench/apps/hand-written.ts) and size, times
 * building and synthesizing the app without and with the plugin (bench/measure.ts, each in a fresh
 * process, the two settings alternated within a run) and reports the medians and the overhead,
 * and the CPU time spent inside the plugin's validate() as a share of the synth CPU time without
 * it (the figure least disturbed by other work on the machine).
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

function measure(side: string, count: number, checks: boolean, outdir: string): Sample {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'measure.ts'), side, String(count), outdir], {
    cwd: REPO_ROOT,
    encoding: 'utf-8',
    env: {
      ...process.env,
      CDK_VALIDATION: 'false',
      BENCH_CHECKS: checks ? '1' : '0',
      TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.json'),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(outdir, { recursive: true, force: true });
  const line = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`${side} N=${count} checks=${checks} failed (exit code ${result.status}):\n${(result.stderr ?? '').trim().split('\n').slice(-15).join('\n')}`);
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
    `| N | app | synth wall without / with checks (median of ${runs}) | overhead | synth CPU without / with | CPU overhead | CPU in the plugin | plugin share |`,
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  let missed = false;
  for (const count of sizes) {
    for (const side of SIDES) {
      const off: Sample[] = [];
      const on: Sample[] = [];
      for (let run = 1; run <= runs; run++) {
        for (const checks of run % 2 ? [false, true] : [true, false]) {
          const sample = measure(side, count, checks, path.join(WORK_DIR, `${side}-${count}-${run}-${checks}`));
          (checks ? on : off).push(sample);
          process.stdout.write(`  N=${count} ${side} checks=${checks} run ${run}: ${sample.ms.toFixed(0)} ms wall, ${sample.cpuMs.toFixed(0)} ms CPU` +
            `${sample.checksCpuMs !== undefined ? `, ${sample.checksCpuMs.toFixed(0)} ms CPU in the plugin` : ''}\n`);
        }
      }
      const [w0, w1] = [median(off.map(s => s.ms)), median(on.map(s => s.ms))];
      const [c0, c1] = [median(off.map(s => s.cpuMs)), median(on.map(s => s.cpuMs))];
      const overhead = w1 / w0 - 1;
      const cpuOverhead = c1 / c0 - 1;
      const plugin = median(on.map(s => s.checksCpuMs ?? 0));
      const share = plugin / c0;
      if (count === 200 && share > TARGET) missed = true;
      lines.push(`| ${count} | ${side} | ${w0.toFixed(0)} ms / ${w1.toFixed(0)} ms | ${pct(overhead)} | ` +
        `${c0.toFixed(0)} ms / ${c1.toFixed(0)} ms | ${pct(cpuOverhead)} | ${plugin.toFixed(0)} ms | ${pct(share)} |`);
    }
  }
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  console.log(`\n${lines.join('\n')}\n`);
  console.log(`Target: the plugin adds at most ${(TARGET * 100).toFixed(0)}% to the synth time at N = 200 (plugin share: ${missed ? 'MISSED' : 'met'}). ` +
    `Load average ${load.toFixed(1)} at start on ${os.availableParallelism()} CPUs.`);
  return missed ? 1 : 0;
}

process.exitCode = main();
