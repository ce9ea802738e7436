/**
 * Synthesis benchmark: this library against the same posture written by hand with aws-cdk-lib.
 *
 *   npx projen bench              # N = 1, 50, 200, 800, both shapes; 5 runs per size, shape and side
 *   npx projen bench --write      # also writes docs/benchmarks.md
 *   npx projen bench --ci         # N = 1, 50, 200; 3 runs (a few minutes on 2 cores)
 *   npx projen bench --no-checks  # both sides without the app-wide checks (EcrBlueprintsChecks; on both sides by default)
 *   BENCH_SIZES=1,200 BENCH_RUNS=3 BENCH_SHAPES=platform npx projen bench
 *
 * The apps are bench/apps/hand-written.ts and bench/apps/ours.ts: N repositories, each with a
 * Fargate task definition pinned to a tag in it, in two shapes: `single` (one stack) and `platform`
 * (a registry stack with the repositories, service stacks of 50 task definitions each). Before timing,
 * bench/posture.ts checks that the two synthesize the same security posture (it stops the benchmark
 * if not). Every measurement is a fresh `node` process (bench/measure.ts). Reported per shape and
 * size: median synth time, median peak RSS, template bytes and resource count, ratios ours /
 * hand-written; the fixed monthly cost computed from the templates (bench/cost.ts) and the largest
 * stack against CloudFormation's quotas; then lines of user code and time(800) / time(200).
 *
 * Targets (issues 6 and 15): synth CPU ratio <= 1.05 at N = 200 with the app-wide checks on (on both
 * sides: the checks read any app, so the careful engineer's app runs them too), template bytes <=
 * hand-written at every N, linear growth, the platform shape within the quotas at N = 200. With the
 * checks on, N = 200 is also measured without them on either side, so that the report gives the
 * constructs' share and the checks' share apart.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SERVICES_PER_STACK } from './apps/hand-written';
import { INTERFACE_ENDPOINT_AZ_HOUR_USD, KMS_KEY_MONTH_USD, MonthlyCost, SECRET_MONTH_USD } from './cost';

type Side = 'hand-written' | 'ours';
type Shape = 'single' | 'platform';

interface Footprint {
  /** Stacks in the app. */
  readonly stacks: number;
  /** The largest stack: resources, outputs, template bytes (each its own maximum). */
  readonly largest: { resources: number; outputs: number; bytes: number };
  readonly cost: MonthlyCost;
}

interface Sample extends Footprint {
  readonly side: Side;
  readonly shape: Shape;
  readonly count: number;
  readonly ms: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  readonly templateBytes: number;
  readonly resources: number;
  readonly types: Record<string, number>;
}

interface Row extends Footprint {
  readonly count: number;
  readonly ms: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  readonly templateBytes: number;
  readonly resources: number;
  readonly types: Record<string, number>;
  readonly runs: number[];
  /** CPU milliseconds of each run, in run order. */
  readonly cpuRuns: number[];
}

const REPO_ROOT = path.resolve(__dirname, '..');
const WORK_DIR = path.join(REPO_ROOT, '.bench');
const DOC = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
/** The library's public names that the ours app needs; until they exist the ours side is skipped. */
const OURS_NEEDS = ['ContainerRegistry', 'ImageReference', 'TaggedImageTaskDefinition'];
const TIME_RATIO_TARGET = 1.05;
/** CloudFormation quotas per stack. */
const QUOTAS = { resources: 500, outputs: 200, bytes: 1024 * 1024 };

function main(): number {
  const args = process.argv.slice(2);
  const unknown = args.filter(a => !['--write', '--ci', '--checks', '--no-checks'].includes(a));
  if (unknown.length > 0) {
    console.error(`bench: unknown argument ${unknown.join(' ')} (accepted: --write, --ci, --no-checks)`);
    return 2;
  }
  // Both sides run with the app-wide checks (EcrBlueprintsChecks registered), as a careful user would.
  const checks = !args.includes('--no-checks');
  const shapeText = process.env.BENCH_SHAPES ?? 'single,platform';
  const shapes = shapeText.split(',').map(v => v.trim()) as Shape[];
  if (shapes.some(v => !['single', 'platform'].includes(v))) throw new BenchError(`BENCH_SHAPES must list single and/or platform, got ${shapeText}`);
  const ci = args.includes('--ci');
  const sizes = listFromEnv('BENCH_SIZES') ?? (ci ? [1, 50, 200] : [1, 50, 200, 800]);
  const runs = listFromEnv('BENCH_RUNS')?.[0] ?? (ci ? 3 : 5);
  const started = Date.now();
  const loadStart = os.loadavg()[0];

  const missing = missingLibraryExports();
  const sides: Side[] = missing.length === 0 ? ['hand-written', 'ours'] : ['hand-written'];
  if (missing.length > 0) {
    console.log(`ours: SKIPPED, the library does not export ${missing.join(', ')} yet (bench/apps/ours.ts is written against them)`);
  }
  console.log(`shapes ${shapes.join(', ')}; sizes ${sizes.join(', ')}; ${runs} run(s) per shape, size and side, each in a fresh process; ` +
    `app-wide checks ${checks ? 'on both sides' : 'off'}`);

  const posture = missing.length === 0 ? checkPosture() : 'Posture check skipped: the ours app cannot be built yet.';
  console.log(posture);

  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  const samples: Sample[] = [];
  for (const shape of shapes) {
    for (const count of sizes) {
      for (let run = 1; run <= runs; run++) {
        // Alternate the sides within a run so that drift of the machine hits both alike.
        for (const side of run % 2 === 1 ? sides : [...sides].reverse()) {
          const sample = measure(side, shape, count, path.join(WORK_DIR, `${side}-${shape}-${count}-${run}`), checks);
          samples.push(sample);
          process.stdout.write(`  ${shape} N=${count} ${side} run ${run}: ${fmtMs(sample.ms)} wall, ${fmtMs(sample.cpuMs)} CPU, ` +
            `${sample.peakRssMiB.toFixed(0)} MiB, load ${os.loadavg()[0].toFixed(1)}\n`);
        }
      }
    }
  }
  // The share of the checks: N = 200 once more without them, on both sides.
  const unchecked: Sample[] = [];
  if (checks && sizes.includes(200) && sides.length === 2) {
    for (const shape of shapes) {
      for (let run = 1; run <= runs; run++) {
        for (const side of run % 2 === 1 ? sides : [...sides].reverse()) {
          const sample = measure(side, shape, 200, path.join(WORK_DIR, `${side}-${shape}-200-${run}-unchecked`), false);
          unchecked.push(sample);
          process.stdout.write(`  ${shape} N=200 ${side} without checks, run ${run}: ${fmtMs(sample.cpuMs)} CPU\n`);
        }
      }
    }
  }
  fs.rmSync(WORK_DIR, { recursive: true, force: true });

  const sections: string[] = [];
  const closing: string[] = [];
  for (const shape of shapes) {
    const rows = new Map<Side, Map<number, Row>>();
    for (const side of sides) {
      rows.set(side, new Map(sizes.map(count => [count, aggregate(samples.filter(s => s.side === side && s.shape === shape && s.count === count))])));
    }
    sections.push(`### Shape: ${shape === 'single' ? 'one stack' : `platform (registry stack + service stacks of ${SERVICES_PER_STACK} services)`}\n\n` +
      render(rows, sizes, runs, missing));
    const h = rows.get('hand-written')?.get(200);
    const o = rows.get('ours')?.get(200);
    if (h && o) {
      closing.push(`- ${shape === 'single' ? 'One stack' : 'Platform'}, ours against hand-written: ${o.cost.kmsKeys} against ${h.cost.kmsKeys} KMS keys, ` +
        `$${o.cost.usd.toFixed(2)} against $${h.cost.usd.toFixed(2)} a month, at most ${o.largest.outputs} against ${h.largest.outputs} outputs per stack ` +
        `(${o.stacks} stacks), bytes ratio ${ratio(o.templateBytes, h.templateBytes, 3)}, CPU ratio ${ratio(o.cpuMs, h.cpuMs)} (median of ${runs}).`);
    }
  }
  if (closing.length > 0) sections.push(['### At N = 200', '', ...closing, ''].join('\n'));
  if (unchecked.length > 0) sections.push(checksShare(samples, unchecked, shapes, runs));
  const load = { start: loadStart, end: os.loadavg()[0] };
  const report = [...sections, '```', posture, '```', '', footer((Date.now() - started) / 1000, load, checks)].join('\n');
  console.log(`\n${report}`);
  if (args.includes('--write')) {
    fs.mkdirSync(path.dirname(DOC), { recursive: true });
    fs.writeFileSync(DOC, document(report, ci));
    console.log(`wrote ${path.relative(REPO_ROOT, DOC)}`);
  }
  return 0;
}

/** Runs bench/posture.ts (N = 2) in a fresh process; a posture difference stops the benchmark. */
function checkPosture(): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'posture.ts'), '2'], {
    cwd: REPO_ROOT,
    encoding: 'utf-8',
    env: { ...process.env, CDK_VALIDATION: 'false', TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.json') },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.status !== 0) {
    throw new BenchError(`the two apps do not synthesize the same posture, so their timings would not compare (bench/posture.ts):\n${output}`);
  }
  return output;
}

/** One measurement in a fresh node process; a failure stops the benchmark with the child's output. */
function measure(side: Side, shape: Shape, count: number, outdir: string, checks: boolean): Sample {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'measure.ts'), side, shape, String(count), outdir], {
    cwd: REPO_ROOT,
    encoding: 'utf-8',
    env: {
      ...process.env,
      CDK_VALIDATION: 'false',
      TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.json'),
      BENCH_CHECKS: checks ? '1' : '0',
      BENCH_CHECKS_ALL_SIDES: '1',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(outdir, { recursive: true, force: true });
  const line = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new BenchError(`${side} ${shape} with N=${count} failed (exit code ${result.status}):\n${(result.stderr ?? '').trim().split('\n').slice(-15).join('\n')}`);
  }
  return JSON.parse(line) as Sample;
}

function aggregate(samples: Sample[]): Row {
  const first = samples[0];
  return {
    count: first.count,
    ms: median(samples.map(s => s.ms)),
    cpuMs: median(samples.map(s => s.cpuMs)),
    peakRssMiB: median(samples.map(s => s.peakRssMiB)),
    templateBytes: first.templateBytes,
    resources: first.resources,
    types: first.types,
    runs: samples.map(s => s.ms),
    cpuRuns: samples.map(s => s.cpuMs),
    stacks: first.stacks,
    largest: first.largest,
    cost: first.cost,
  };
}

function render(rows: Map<Side, Map<number, Row>>, sizes: number[], runs: number, missing: string[]): string {
  const hand = rows.get('hand-written')!;
  const ours = rows.get('ours');
  const lines: string[] = [];
  lines.push(`| N | side | synth wall (median of ${runs}) | synth CPU | peak RSS | template | resources | wall ratio | CPU ratio | RSS ratio | bytes ratio |`);
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const count of sizes) {
    const h = hand.get(count)!;
    lines.push(`| ${count} | hand-written | ${fmtMs(h.ms)} | ${fmtMs(h.cpuMs)} | ${h.peakRssMiB.toFixed(0)} MiB | ` +
      `${fmtBytes(h.templateBytes)} | ${h.resources} | | | | |`);
    const o = ours?.get(count);
    if (o) {
      lines.push(`| ${count} | ours | ${fmtMs(o.ms)} | ${fmtMs(o.cpuMs)} | ${o.peakRssMiB.toFixed(0)} MiB | ${fmtBytes(o.templateBytes)} | ` +
        `${o.resources} | ${ratio(o.ms, h.ms)} | ${ratio(o.cpuMs, h.cpuMs)} | ${ratio(o.peakRssMiB, h.peakRssMiB)} | ` +
        `${ratio(o.templateBytes, h.templateBytes, 3)} |`);
    }
  }
  lines.push('');
  lines.push('Fixed monthly cost computed from the templates (bench/cost.ts: customer-managed KMS keys at ' +
    `$${KMS_KEY_MONTH_USD.toFixed(2)} a month, interface VPC endpoints at $${INTERFACE_ENDPOINT_AZ_HOUR_USD.toFixed(2)} per AZ-hour, ` +
    `Secrets Manager secrets at $${SECRET_MONTH_USD.toFixed(2)} a month; us-east-1 list prices), and the largest stack against ` +
    `CloudFormation's quotas (${QUOTAS.resources} resources, ${QUOTAS.outputs} outputs, 1 MB template body):`);
  lines.push('');
  lines.push('| N | side | KMS keys | endpoint AZs | secrets | $ / month | stacks | largest stack: resources | outputs | template | within quotas |');
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const count of sizes) {
    for (const [side, row] of [['hand-written', hand.get(count)], ['ours', ours?.get(count)]] as const) {
      if (!row) continue;
      const fits = row.largest.resources <= QUOTAS.resources && row.largest.outputs <= QUOTAS.outputs && row.largest.bytes <= QUOTAS.bytes;
      lines.push(`| ${count} | ${side} | ${row.cost.kmsKeys} | ${row.cost.interfaceEndpointAzs} | ${row.cost.secrets} | ` +
        `${row.cost.usd.toFixed(2)} | ${row.stacks} | ${row.largest.resources} | ${row.largest.outputs} | ${fmtBytes(row.largest.bytes)} | ` +
        `${fits ? 'yes' : 'no'} |`);
    }
  }
  lines.push('');
  lines.push(`Lines of user code (non-blank, non-comment, whole file with both shapes): hand-written ${userLines('hand-written')}` +
    (ours ? `, ours ${userLines('ours')}` : ', ours (not run) ' + userLines('ours')) + '.');
  const growth = (side: Map<number, Row> | undefined) => {
    const big = side?.get(800);
    const mid = side?.get(200);
    return big && mid ? `${(big.ms / mid.ms).toFixed(2)} wall, ${(big.cpuMs / mid.cpuMs).toFixed(2)} CPU` : 'n/a';
  };
  lines.push(`Growth time(800) / time(200) (linear = 4.00): hand-written ${growth(hand)}${ours ? `; ours ${growth(ours)}` : ''}.`);
  const last = sizes[sizes.length - 1];
  lines.push(`Resources at N=${last}: hand-written ${typesLine(hand.get(last)!)}` +
    (ours ? `; ours ${typesLine(ours.get(last)!)}` : '') + '.');
  if (ours && hand.get(200) && ours.get(200)) {
    const timeRatio = ours.get(200)!.ms / hand.get(200)!.ms;
    const cpuRatio = ours.get(200)!.cpuMs / hand.get(200)!.cpuMs;
    lines.push(`Target synth CPU ratio <= ${TIME_RATIO_TARGET.toFixed(2)} at N=200, the same checks on both sides: CPU ${cpuRatio.toFixed(2)} ` +
      `(${cpuRatio <= TIME_RATIO_TARGET ? 'met' : 'MISSED'}); wall ${timeRatio.toFixed(2)} (wall times are for reference).`);
    // Each run measures the two sides one after the other: the ratio of each pair shows the noise of the machine.
    const pairs = ours.get(200)!.cpuRuns.map((o, i) => o / hand.get(200)!.cpuRuns[i]).sort((a, b) => a - b);
    lines.push(`Run by run at N=200 (ours / hand-written, measured one after the other): CPU ratio from ${pairs[0].toFixed(2)} ` +
      `to ${pairs[pairs.length - 1].toFixed(2)}, median ${median(pairs).toFixed(2)}.`);
    const worst = Math.max(...sizes.map(n => ours.get(n)!.templateBytes / hand.get(n)!.templateBytes));
    lines.push(`Target template bytes <= hand-written at every N: worst ratio ${worst.toFixed(3)} (${worst <= 1 ? 'met' : 'MISSED'}).`);
  } else if (missing.length > 0) {
    lines.push(`Targets not evaluated: ours needs ${missing.join(', ')}.`);
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * N = 200 with and without the app-wide checks, per side: what the constructs cost against
 * hand-written code, what the checks cost on each app, and ours with the checks against
 * hand-written code without them.
 */
function checksShare(checked: Sample[], unchecked: Sample[], shapes: Shape[], runs: number): string {
  const cpu = (samples: Sample[], side: Side, shape: Shape) =>
    median(samples.filter(s => s.side === side && s.shape === shape && s.count === 200).map(s => s.cpuMs));
  const lines = [
    `### The share of the checks (N = 200, synth CPU, median of ${runs})`,
    '',
    '| shape | hand-written | hand-written + checks | ours | ours + checks | ours / hand-written, no checks | ' +
      'ours + checks / hand-written + checks | ours + checks / hand-written, no checks |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const shape of shapes) {
    const h = cpu(unchecked, 'hand-written', shape);
    const hc = cpu(checked, 'hand-written', shape);
    const o = cpu(unchecked, 'ours', shape);
    const oc = cpu(checked, 'ours', shape);
    lines.push(`| ${shape === 'single' ? 'one stack' : 'platform'} | ${fmtMs(h)} | ${fmtMs(hc)} | ${fmtMs(o)} | ${fmtMs(oc)} | ` +
      `${ratio(o, h)} | ${ratio(oc, hc)} | ${ratio(oc, h)} |`);
  }
  lines.push('');
  lines.push('The checks cost each app about the same: they read the synthesized templates, whoever wrote the code. ' +
    'aws-cdk-lib spends part of it on any registered validation plugin (it builds a tree of the app\'s constructs ' +
    'and writes a report); bench/checks.ts measures that part with a plugin that does nothing.');
  lines.push('');
  return lines.join('\n');
}

function footer(seconds: number, load: { start: number; end: number }, checks: boolean): string {
  return `App-wide checks: ${checks ? 'on both sides (EcrBlueprintsChecks registered on each app)' : 'off on both sides (--no-checks)'}. ` +
    `Benchmark wall time: ${seconds.toFixed(0)} s; load average ${load.start.toFixed(1)} at start, ${load.end.toFixed(1)} at end ` +
    `on ${os.availableParallelism()} CPUs${Math.max(load.start, load.end) > os.availableParallelism() / 2 ? ' (other work was running: wall times are noisy, CPU times less so)' : ''}.`;
}

function document(report: string, ci: boolean): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const cdkVersion = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json', { paths: [REPO_ROOT] }), 'utf-8')).version;
  return [
    '# Synthesis benchmark',
    '',
    'This library against the same security posture written by hand with aws-cdk-lib, for N repositories',
    'that each have a Fargate task definition pinned to a tag in them, in one stack and in the platform shape',
    '(a registry stack with the repositories, service stacks of 50 services each). Regenerate with',
    '`npx projen bench --write`.',
    '',
    `Machine: ${os.availableParallelism()} CPUs (nproc), ${cpu}, ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, Node ${process.version}, aws-cdk-lib ${cdkVersion}, ` +
      `${os.platform()} ${os.release()}. Date: ${new Date().toISOString().slice(0, 10)}.${ci ? ' CI mode (fewer sizes and runs).' : ''}`,
    '',
    report,
    '',
    '## Method',
    '',
    '- User code: `bench/apps/hand-written.ts` and `bench/apps/ours.ts`. Both build, in 123456789012/us-east-1,',
    '  either one stack or the platform shape (a registry stack and service stacks; the service stacks refer to',
    '  the repositories by name, so that the registry stack exports nothing), with one shared customer-managed',
    '  KMS key for the images (rotation, RETAIN),',
    '  registry scanning on push, and per repository: IMMUTABLE tags, scan on push, KMS with the shared key,',
    '  RETAIN, a lifecycle policy (a rule protecting the deployed tag, expire untagged images after 14 days,',
    '  keep the newest 100 tagged images), and a Fargate task definition (ARM64, 256 CPU, 512 MiB, read-only',
    '  root filesystem, user 1000:1000) with a task role without permissions, an execution role without',
    '  inline policy (one customer-managed policy with the pull scoped to the repository and the log stream',
    '  actions scoped to the log group; and the one policy of its stack with only `ecr:GetAuthorizationToken` on `*`,',
    '  which every execution role of the stack shares), and a log group',
    '  kept one year, encrypted with the one log key of its stack (rotation, RETAIN, a key policy statement that',
    '  lets CloudWatch Logs use it for the log groups of that stack only, by the names CloudFormation gives them).',
    '  That is what the library synthesizes with its defaults, and what a careful engineer writes: keys and the',
    '  authorization policy shared per stack (until issue 15, the library made one log key per task definition,',
    '  $1 a month each, and one authorization policy per task definition).',
    '- `bench/posture.ts` synthesizes both apps with N = 2 and compares the templates resource by resource',
    '  (references and logical ids in strings rewritten to labels, lifecycle policy text parsed, the account and',
    '  region that aws-cdk-lib reads out of a repository ARN with `Fn::Select` replaced by the stack\'s, where the',
    '  library writes them: its repositories are made in that stack); the benchmark stops on any difference. Its',
    '  output is above. The platform shape uses the same building blocks; there the library writes plain ARNs and',
    '  URIs where hand-written code gets `Fn::Join`s over `AWS::Partition` and `AWS::URLSuffix` from',
    '  `Repository.fromRepositoryName` (the same values in us-east-1).',
    '- Each measurement is a fresh `node --import tsx bench/measure.ts` process. It synthesizes the app once with',
    '  N = 1 (module loading and transpilation are not timed), then times `new App()` + building + `app.synth()`.',
    '- The template validator is off (`CDK_VALIDATION=false`); construct creation stack traces are recorded, as',
    '  `cdk synth` records them (the CLI sets no context that turns them off; only the stack traces of',
    '  annotations are off here, `aws:cdk:disable-stack-trace`); the 500-resource check is off',
    '  (`@aws-cdk/core:stackResourceLimit: 0`): from about N = 80 a real app would split the stack, but the cost',
    '  per repository is what is measured.',
    '- The app-wide checks (`EcrBlueprintsChecks`) run on both apps: they check any CDK app, so the careful',
    '  engineer of the hand-written side runs them too, and the ratio measures what the constructs cost. The',
    '  table "the share of the checks" measures N = 200 again without them, on each side.',
    '- Synth wall time, CPU time (user + system of all threads, `process.cpuUsage()`) and peak RSS',
    '  (`process.resourceUsage().maxRSS`) are medians. Wall time suffers when other work shares the machine;',
    '  CPU time much less. Template bytes are the `*.template.json` files as written (1-space indentation),',
    '  resources their `Resources` entries.',
    '- time(800) / time(200) stays below 4 because V8 optimizes the construct code while it runs (the first',
    '  repositories cost more than the last); a value above 4 would point at a cost that grows faster than N.',
    '- Lines of user code count non-blank lines that are not comments.',
    '- The fixed monthly cost is computed from the synthesized templates by `bench/cost.ts` (prices as named',
    '  constants with their source and date). Requests, storage and data processing are left out.',
    '- Template bytes differ by two things. The library\'s image URIs name the account and region of the stack the',
    '  repository is made in, where aws-cdk-lib reads them out of the repository ARN with `Fn::Select` (the same',
    '  values); that saves more than its logical ids cost: they come from its construct tree',
    '  (`RegistryRepositoryteamapp0…`, `Task0ExecutionRolePolicy…`) and are longer than the hand-written ones',
    '  (`Repository0…`, `ExecutionPolicy0…`).',
    '- Noise: on this 2-CPU machine the CPU time of one synthesis varies by up to ±10% from run to run, and a',
    '  median of 5 moves by several percent from one benchmark run to the next. The run-by-run line under each',
    '  table gives the ratio of each pair of runs; a difference of a few percent is within that noise.',
    '',
  ].join('\n');
}

/** The library's index, loaded through tsx; the names in OURS_NEEDS it does not export. */
function missingLibraryExports(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require(path.join(REPO_ROOT, 'src', 'index.ts')) as Record<string, unknown>;
  return OURS_NEEDS.filter(name => lib[name] === undefined);
}

function userLines(side: Side): number {
  const text = fs.readFileSync(path.join(__dirname, 'apps', `${side}.ts`), 'utf-8');
  let inBlock = false;
  let count = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (inBlock) {
      inBlock = !line.includes('*/');
      continue;
    }
    if (line.startsWith('/*')) {
      inBlock = !line.includes('*/');
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    count++;
  }
  return count;
}

function typesLine(row: Row): string {
  return Object.entries(row.types).sort().map(([type, n]) => `${type.replace(/^AWS::/, '')} ${n}`).join(', ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ratio(a: number, b: number, digits = 2): string {
  return (a / b).toFixed(digits);
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function fmtBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function listFromEnv(name: string): number[] | undefined {
  const text = process.env[name];
  if (!text) return undefined;
  const values = text.split(',').map(v => Number(v.trim()));
  if (values.some(v => !Number.isInteger(v) || v < 1)) {
    throw new BenchError(`${name} must be a comma-separated list of positive integers, got ${JSON.stringify(text)}`);
  }
  return values;
}

class BenchError extends Error {}

try {
  process.exit(main());
} catch (error) {
  if (error instanceof BenchError) {
    console.error(`bench: ${error.message}`);
  } else {
    console.error('bench: unexpected error');
    console.error(error);
  }
  process.exit(1);
}
