/**
 * Every TypeScript sample of README.md (the code blocks jsii-rosetta extracts) runs and its app synthesizes.
 * `npx projen rosetta` proves the samples compile (in the context of rosetta/default.ts-fixture);
 * this test runs them, giving every value the fixture declares a runtime value of that type.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import * as cdk from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as constructs from 'constructs';
import * as ts from 'typescript';
import { ContainerRegistry, ImageReference, LifecycleEvaluationResult, SecureRepository, TaggedImageTaskDefinition } from '../src';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const FIXTURE = readFileSync(join(ROOT, 'rosetta', 'default.ts-fixture'), 'utf8');
const ENV = { account: '111111111111', region: 'us-east-1' };

/** The modules the fixture imports, by the names it gives them. */
const MODULES: Record<string, unknown> = { cdk, ec2, ecr, ecs, iam, kms, secretsmanager, constructs };

/** A runtime value for every `declare const` of the fixture, created in the sample's stack on first use. */
const VALUES: Record<string, (stack: cdk.Stack, value: (name: string) => any) => unknown> = {
  stack: s => s,
  vpc: s => new ec2.Vpc(s, 'FixtureVpc', { maxAzs: 2, natGateways: 0 }),
  cluster: (s, value) => new ecs.Cluster(s, 'FixtureCluster', { vpc: value('vpc') }),
  registry: s => new ContainerRegistry(s, 'FixtureRegistry'),
  drRegistry: s => new ContainerRegistry(new cdk.Stack(s.node.scope as cdk.App, 'FixtureDr', { env: { ...ENV, region: 'eu-west-1' } }), 'Registry'),
  otherRegistry: s => new ContainerRegistry(new cdk.Stack(s.node.scope as cdk.App, 'FixtureOther', { env: { ...ENV, account: '222222222222' } }), 'Registry'),
  dockerHubSecret: s => secretsmanager.Secret.fromSecretNameV2(s, 'FixtureDockerHub', 'ecr-pullthroughcache/docker-hub'),
  app: s => s.node.root,
  buildRole: s => new iam.Role(s, 'FixtureBuildRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') }),
  ciRole: s => new iam.Role(s, 'FixtureCiRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') }),
  releaseRole: s => new iam.Role(s, 'FixtureReleaseRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') }),
  verifierRole: s => new iam.Role(s, 'FixtureVerifierRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') }),
  scannerRole: s => new iam.Role(s, 'FixtureScannerRole', { assumedBy: new iam.ServicePrincipal('inspector2.amazonaws.com') }),
  vendorTask: s => new ecs.FargateTaskDefinition(s, 'FixtureVendorTask'),
  task: s => new TaggedImageTaskDefinition(s, 'FixtureTask', {
    image: ImageReference.fromRepository(new SecureRepository(s, 'FixtureRepository', { repositoryName: 'fixture/app' }), { tag: 'v1.0.0' }),
  }),
  text: () => JSON.stringify({
    rules: [{
      rulePriority: 1,
      description: 'Expire untagged images 14 days after push',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    }],
  }),
};

/** A TypeScript code block of the README, as jsii-rosetta reads it: ```ts (or typescript) and its parameters. */
interface Sample {
  /** The line of the opening fence (1-based). */
  readonly line: number;
  readonly visibleSource: string;
  readonly parameters: Record<string, string>;
}

function readmeSamples(markdown: string): Sample[] {
  const lines = markdown.split('\n');
  const found: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(ts|typescript)(\s.*)?$/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.indexOf('```', i + 1);
    const parameters = Object.fromEntries((fence[2] ?? '').trim().split(/\s+/).filter(Boolean)
      .map(p => [p.split('=')[0], p.split('=').slice(1).join('=')]));
    found.push({ line: i + 1, visibleSource: lines.slice(i + 1, end).join('\n'), parameters });
    i = end;
  }
  return found;
}

const samples = readmeSamples(README);
const lineOf = (sample: Sample) => sample.line;

interface Ran {
  readonly app: cdk.App;
  /** The sample's top-level variables. */
  readonly vars: Record<string, any>;
}

/** Transpiles the sample (rosetta type-checked it) and runs it, in a new app unless it is a whole program. */
function run(sample: Sample): Ran {
  const source = ts.createSourceFile('sample.ts', sample.visibleSource, ts.ScriptTarget.ES2022, true);
  const declared = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) declared.add(d.name.text);
    }
  }
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);

  const whole = sample.parameters?.nofixture !== undefined;
  const app = new cdk.App();
  const stack = new cdk.Stack(app, 'Sample', { env: ENV });
  const made = new Map<string, unknown>();
  const value = (name: string): unknown => {
    if (!made.has(name)) made.set(name, VALUES[name](stack, value));
    return made.get(name);
  };
  const globals: Record<string, unknown> = {};
  if (!whole) {
    Object.assign(globals, MODULES);
    for (const name of Object.keys(VALUES)) if (used.has(name) && !declared.has(name)) globals[name] = value(name);
  }

  const js = ts.transpileModule(sample.visibleSource, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const body = `${js}\nreturn { ${[...declared].join(', ')} };`;
  const fn = new Function('require', 'exports', ...Object.keys(globals), body);
  const vars = fn.call(whole ? undefined : stack, require, {}, ...Object.values(globals));
  return { app: whole ? vars.app : app, vars };
}

test('the README has TypeScript samples, and the fixture and this test know the same values', () => {
  expect(samples.length).toBeGreaterThanOrEqual(10);
  const declared = [...FIXTURE.matchAll(/^declare const (\w+):/gm)].map(m => m[1]);
  expect(declared.sort()).toEqual(Object.keys(VALUES).sort());
  const imported = [...FIXTURE.matchAll(/^import \* as (\w+) from/gm)].map(m => m[1]);
  expect(imported.sort()).toEqual(Object.keys(MODULES).sort());
});

describe.each(samples.map(s => [`README.md:${lineOf(s)}`, s] as const))('%s', (_where, sample) => {
  test(sample.parameters.fails !== undefined ? 'runs and its app fails synth, as the README says' : 'runs and its app synthesizes', () => {
    const { app } = run(sample);
    if (sample.parameters.fails !== undefined) {
      // A sample that shows what a check refuses (`ts nofixture fails`): its findings are asserted where the README shows them.
      expect(() => app.synth()).toThrow(/EcrBlueprintsChecks/);
      return;
    }
    expect(app).toBeInstanceOf(cdk.App);
    // A sample that only computes (LifecyclePolicy.fromJson) leaves the fixture's stack empty.
    const sampleStack = app.node.tryFindChild('Sample');
    if (sampleStack && sampleStack.node.children.length === 0) app.node.tryRemoveChild('Sample');
    const assembly = app.synth();
    expect(assembly.stacks.every(s => Object.keys(s.template.Resources ?? {}).length > 0)).toBe(true);
  });
});

describe('the quick start', () => {
  const quickStart = samples[0];

  test('is the first sample, under "## Quick start", and a whole program', () => {
    const heading = README.split('\n').indexOf('## Quick start') + 1;
    expect(heading).toBeGreaterThan(0);
    expect(lineOf(quickStart)).toBeGreaterThan(heading);
    expect(quickStart.parameters?.nofixture).toBeDefined();
  });

  test('needs no context lookup, pins and protects the deployed tag, caches and replicates', () => {
    const { app, vars } = run(quickStart);
    expect(app.synth().manifest.missing).toBeUndefined();
    const template = Template.fromStack(vars.stack);
    const repos = template.findResources('AWS::ECR::Repository', { Properties: { RepositoryName: 'team-a/api' } });
    const [[repoId, repo]] = Object.entries(repos);
    const rules = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    expect(rules[0].selection.tagPatternList).toEqual(['v1.4.2']);
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    expect(JSON.stringify(task.Properties.ContainerDefinitions[0].Image)).toContain(`{"Ref":"${repoId}"},":v1.4.2"`);
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.resourceCountIs('AWS::ECR::PullThroughCacheRule', 1);
    template.resourceCountIs('AWS::ECR::ReplicationConfiguration', 1);
  });
});

test('the evaluate() sample gives the results the README shows after it', () => {
  const sample = samples.find(s => /\.evaluate\(/.test(s.visibleSource));
  expect(sample).toBeDefined();
  const results: LifecycleEvaluationResult[] = run(sample!).vars.results;
  // The plain code block after the sample's closing fence.
  const lines = README.split('\n').slice(lineOf(sample!));
  const close = lines.indexOf('```');
  const open = lines.indexOf('```', close + 1);
  const shown = lines.slice(open + 1, lines.indexOf('```', open + 1)).join('\n');
  expect(shown).toMatch(/^sha256:/);
  expect(results.map(r => `${r.digest} ${r.action} ${r.rulePriority} ${r.reason}`).join('\n')).toBe(shown);
});
