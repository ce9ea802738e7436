/**
 * Synth-time cost of deployed-image protection at platform scale:
 *
 *   npx tsx bench/deployed-images.ts          # N = 200, 5 runs
 *   BENCH_SIZES=50,200 BENCH_RUNS=3 npx tsx bench/deployed-images.ts
 *
 * The app (bench/apps/ours.ts with a second stack) has N repositories in a platform stack, N task
 * definitions pinned by object in the same stack, and N more in a service stack that import the
 * repositories by name. Reported per size (medians): the whole synth; the construct-tree scan the
 * library runs once per synth (finding every deployed image and matching it to the repositories); and
 * the app-wide analysis over the synthesized templates (`analyzeDeployedImages`), which the checks
 * plugin runs. The template validator is off (CDK_VALIDATION=false), as in bench/run.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { ImageReference, TaggedImageTaskDefinition } from '../src';
import { buildApp } from './apps/ours';
import { analyzeDeployedImages } from '../src/checks/deployed-images';
import { SynthesizedStack } from '../src/checks/finding';
import { findDeployedImages } from '../src/private/deployed-images';

process.env.CDK_VALIDATION = 'false';
const CONTEXT = { 'aws:cdk:disable-stack-trace': true, '@aws-cdk/core:stackResourceLimit': 0 };

function build(count: number): App {
  const app = new App({ context: CONTEXT });
  buildApp(app, count);
  const service = new Stack(app, 'Service', { env: { account: '123456789012', region: 'us-east-1' } });
  for (let i = 0; i < count; i++) {
    const repository = ecr.Repository.fromRepositoryName(service, `Repo${i}`, `team/app-${i}`);
    new TaggedImageTaskDefinition(service, `Task${i}`, { image: ImageReference.fromRepository(repository, { tag: 'v0.9.0' }), cpu: 256, memoryLimitMiB: 512 });
  }
  return app;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const sizes = (process.env.BENCH_SIZES ?? '200').split(',').map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? '5');
  build(1).synth(); // warm-up: module loading and transpilation are not timed
  console.log('| N | task definitions | synth (ms) | tree scan (ms) | app-wide analysis (ms) | findings |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const count of sizes) {
    const synth: number[] = [];
    const scan: number[] = [];
    const analysis: number[] = [];
    let found = 0;
    for (let run = 0; run < runs; run++) {
      const app = build(count);
      let start = process.hrtime.bigint();
      findDeployedImages(app);
      scan.push(ms(start));
      start = process.hrtime.bigint();
      const assembly = app.synth();
      synth.push(ms(start));
      const stacks: SynthesizedStack[] = assembly.stacks.map(s => ({
        constructPath: s.hierarchicalId, stackName: s.stackName, account: s.environment.account, region: s.environment.region, template: s.template,
      }));
      start = process.hrtime.bigint();
      found = analyzeDeployedImages(stacks).length;
      analysis.push(ms(start));
    }
    console.log(`| ${count} | ${2 * count} | ${median(synth).toFixed(0)} | ${median(scan).toFixed(1)} | ${median(analysis).toFixed(1)} | ${found} |`);
  }
}

main();
