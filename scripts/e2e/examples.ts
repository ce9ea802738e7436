import * as fs from 'fs';
import * as path from 'path';
import { run, RunResult } from './exec';

/** The repository root (this file lives in scripts/e2e/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The CDK CLI of the project's devDependencies, run with the current node. */
export const CDK_CLI = require.resolve('aws-cdk/bin/cdk', { paths: [REPO_ROOT] });

/** Flags that keep the CLI quiet and offline. */
export const CDK_QUIET_FLAGS = ['--no-notices', '--no-version-reporting'];

/** moto's default account: the one that plain test credentials act in. */
export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

export interface Example {
  readonly name: string;
  readonly dir: string;
}

export interface StackInfo {
  /** Artifact id, what `cdk deploy <id>` selects. */
  readonly id: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** True if the stack did not pin the account or region and got the defaults. */
  readonly envAgnostic: boolean;
  readonly templateFile: string;
  /** Set for stacks inside a Stage (a nested cloud assembly), which `--all` does not select. */
  readonly nestedAssembly?: string;
}

/** Every `<examplesDir>/<name>/cdk.json`, sorted by name. */
export function discoverExamples(examplesDir: string): Example[] {
  if (!fs.existsSync(examplesDir)) {
    return [];
  }
  return fs.readdirSync(examplesDir)
    .filter(name => fs.existsSync(path.join(examplesDir, name, 'cdk.json')))
    .map(name => ({ name, dir: path.join(examplesDir, name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Environment for running an example app with tsx.
 *
 * Examples import the library as 'cdk-ecr-blueprints', which only a tsconfig `paths` entry maps to
 * src/index.ts. tsx reads the nearest tsconfig.json above the app; if neither the example folder
 * nor examples/ has one, the root tsconfig (no paths) would win, so point tsx at test/tsconfig.json.
 */
export function tsxEnv(example: Example, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const hasOwn = [example.dir, path.dirname(example.dir)].some(dir => fs.existsSync(path.join(dir, 'tsconfig.json')));
  if (hasOwn || env.TSX_TSCONFIG_PATH) {
    return env;
  }
  return { ...env, TSX_TSCONFIG_PATH: path.join(REPO_ROOT, 'test', 'tsconfig.json') };
}

export interface SynthResult extends RunResult {
  /** True if the CLI's context lookups changed the example's cdk.context.json (restored since). */
  readonly contextLookups: boolean;
}

/**
 * `cdk synth` of one example into `outDir` (a cloud assembly), through the example's own cdk.json.
 *
 * With `lookups: false` the CLI refuses context lookups (it would otherwise call AWS). With lookups,
 * whatever the CLI writes to the example's cdk.context.json is undone, so the tree stays as committed.
 */
export async function synthExample(example: Example, outDir: string, env: NodeJS.ProcessEnv,
  options: { readonly lookups: boolean; readonly logFile?: string }): Promise<SynthResult> {
  fs.rmSync(outDir, { recursive: true, force: true });
  const contextFile = path.join(example.dir, 'cdk.context.json');
  const before = fs.existsSync(contextFile) ? fs.readFileSync(contextFile, 'utf-8') : undefined;
  const result = await run(process.execPath,
    [CDK_CLI, 'synth', '--quiet', '--output', outDir, ...options.lookups ? [] : ['--no-lookups'], ...CDK_QUIET_FLAGS], {
      cwd: example.dir,
      env: tsxEnv(example, env),
      logFile: options.logFile,
      timeoutMs: 10 * 60_000,
    });
  const after = fs.existsSync(contextFile) ? fs.readFileSync(contextFile, 'utf-8') : undefined;
  if (after !== before) {
    if (before === undefined) {
      fs.rmSync(contextFile);
    } else {
      fs.writeFileSync(contextFile, before);
    }
  }
  return { ...result, contextLookups: after !== before };
}

/** Every stack in a cloud assembly, including those in nested assemblies (Stages). */
export function readStacks(assemblyDir: string, nestedAssembly?: string): StackInfo[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf-8'));
  const stacks: StackInfo[] = [];
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...readStacks(path.join(assemblyDir, artifact.properties.directoryName), id));
    }
    if (artifact.type !== 'aws:cloudformation:stack') {
      continue;
    }
    const match = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(artifact.environment ?? '');
    const account = match && /^\d{12}$/.test(match[1]) ? match[1] : undefined;
    const region = match && match[2] !== 'unknown-region' ? match[2] : undefined;
    stacks.push({
      id: nestedAssembly ? `${nestedAssembly}/${id}` : id,
      stackName: artifact.properties?.stackName ?? id,
      account: account ?? DEFAULT_ACCOUNT,
      region: region ?? DEFAULT_REGION,
      envAgnostic: !account || !region,
      templateFile: path.join(assemblyDir, artifact.properties.templateFile),
      nestedAssembly,
    });
  }
  return stacks;
}

/** Every `*.template.json` below `dir`, skipping asset folders and node_modules. */
export function findTemplates(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('asset.') && entry.name !== 'node_modules') {
      found.push(...findTemplates(full));
    } else if (entry.isFile() && entry.name.endsWith('.template.json')) {
      found.push(full);
    }
  }
  return found.sort();
}
