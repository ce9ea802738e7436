/**
 * End-to-end test: every example app, deployed with the real CDK CLI to a local AWS API (moto).
 *
 *   npx projen test:e2e                  # every examples/<name>/cdk.json
 *   npx projen test:e2e secure-repository # only the named examples
 *   EXAMPLES_DIR=<dir> npx projen test:e2e   # another examples folder (used to test this script)
 *
 * For each example: `cdk synth` (through the example's cdk.json), `cdk bootstrap` of every environment
 * its stacks name, `cdk deploy --all`, `cdk diff` (no differences expected), AWS API checks, `cdk destroy
 * --all`, AWS API checks again. Between examples moto is reset, so examples cannot see each other.
 *
 * Checks after deploy (boto3, scripts/e2e/aws_checks.py):
 * - every AWS::ECR::Repository exists with the tag mutability and exclusion filters its template asks
 *   for, and that mutability is IMMUTABLE or IMMUTABLE_WITH_EXCLUSION;
 * - a second, different image under an existing immutable tag (the tag a task definition deploys, if
 *   any) is refused with ImageAlreadyExistsException; a tag matching the first mutable exclusion can move;
 * - every container of every AWS::ECS::TaskDefinition references `<account>.dkr.ecr.<region>.amazonaws.com/
 *   <repo>:<tag>` or `@sha256:`, never `latest` nor a tag that a mutable exclusion of that repository matches
 *   (an image of another registry only by `@sha256:` digest);
 * - every AWS::KMS::Key has rotation enabled.
 * Checks after destroy: stacks are gone; repositories and KMS keys with DeletionPolicy Retain still
 * exist (keys Enabled, not pending deletion) and every image pushed above is still there.
 *
 * What moto (5.2) does NOT model, so this test cannot prove it; template tests and `lint:cfn` do:
 * - replication (AWS::ECR::ReplicationConfiguration), pull-through cache (AWS::ECR::PullThroughCacheRule),
 *   registry scanning (AWS::ECR::RegistryScanningConfiguration), repository creation templates
 *   (AWS::ECR::RepositoryCreationTemplate) and the registry policy (AWS::ECR::RegistryPolicy): its
 *   CloudFormation reports them created and creates nothing; they are listed as SKIP;
 * - from CloudFormation it applies no repository LifecyclePolicy and keeps EncryptionConfiguration and
 *   ImageScanningConfiguration under CloudFormation's key names, so DescribeRepositories cannot show them;
 * - IAM is not evaluated (least privilege, cross-account trust and key policies are not enforced);
 * - a change-set diff fails (HTTP 500), so `cdk diff` runs with `--method=template`;
 * - on stack deletion it leaves some EC2 and ECS resources behind (NAT gateway, internet gateway, VPC
 *   endpoints, the ECS cluster); nothing checks them, and moto is reset between examples.
 * - AWS Signer signing profiles (AWS::Signer::SigningProfile) and ECR Public repositories
 *   (AWS::ECR::PublicRepository) are unknown to its CloudFormation, which rejects a template that reads
 *   their attributes: examples with them (signed-images, public-repository) are synthesized and checked,
 *   and their deployment is listed as SKIP; managed signing (AWS::ECR::SigningConfiguration) and
 *   pull-time update exclusions (AWS::ECR::PullTimeUpdateExclusion) are not modelled either.
 * moto runs through scripts/e2e/moto_server.py, which fixes four CloudFormation handlers (unnamed ECR
 * repositories, KMS key policies, exports and imports through change sets, route table deletion); see
 * that file.
 *
 * Context lookups (for example the availability zones of a Vpc in a stack with an explicit env) are
 * answered by moto; what the CLI writes to the example's cdk.context.json is undone afterwards.
 *
 * Accounts: stacks without an account deploy to moto's default account 123456789012. moto picks the
 * account from the access key and lets STS AssumeRole switch to any 12-digit account, so stacks that name
 * other accounts are bootstrapped with assumed-role credentials and deployed by the CLI through the
 * bootstrap roles, as in AWS. Stacks inside a Stage are not selected by `--all` and are reported as SKIP.
 *
 * Only loopback traffic: the server listens on 127.0.0.1; the CLI uses http://localhost:<port> because
 * moto's CloudFormation reads a template URL from its own S3 only if the URL contains "localhost".
 * The server is stopped by the PID started here on success, failure and interrupt.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CDK_CLI, CDK_QUIET_FLAGS, DEFAULT_ACCOUNT, discoverExamples, Example, readStacks, REPO_ROOT, StackInfo, synthExample } from './examples';
import { killRunning, lastLines, run } from './exec';
import { E2eError, MotoServer } from './moto';

type Status = 'PASS' | 'FAIL' | 'SKIP';

/** Resource types moto (5.2) has no CloudFormation model for; see the note at the top. */
const NOT_DEPLOYABLE_ON_MOTO: Record<string, string> = {
  'AWS::Signer::SigningProfile': 'AWS Signer signing profiles',
  'AWS::ECR::PublicRepository': 'ECR Public repositories',
};

interface CheckResult {
  readonly status: Status;
  readonly check: string;
  readonly detail: string;
}

interface Credentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken?: string | null;
}

const PYTHON = process.env.E2E_PYTHON ?? 'python3';
const WORK_DIR = path.join(REPO_ROOT, '.e2e');
const STEP_TIMEOUT_MS = Number(process.env.E2E_STEP_TIMEOUT_SECONDS ?? 600) * 1000;
const CHECKS_SCRIPT = path.join(__dirname, 'aws_checks.py');
/** Set by the signal handler: steps that fail because they were killed stay quiet. */
let interrupted = false;

async function main(): Promise<number> {
  const started = Date.now();
  const examplesDir = path.resolve(process.env.EXAMPLES_DIR ?? path.join(REPO_ROOT, 'examples'));
  const wanted = process.argv.slice(2);
  let examples = discoverExamples(examplesDir);
  if (wanted.length > 0) {
    const unknown = wanted.filter(name => !examples.some(e => e.name === name));
    if (unknown.length > 0) {
      throw new E2eError(`no example named ${unknown.join(', ')} in ${examplesDir} (found: ${examples.map(e => e.name).join(', ') || 'none'})`);
    }
    examples = examples.filter(e => wanted.includes(e.name));
  }
  if (examples.length === 0) {
    throw new E2eError(`no examples found: expected ${path.join(examplesDir, '<name>', 'cdk.json')}`);
  }
  await preflight();

  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  fs.mkdirSync(WORK_DIR, { recursive: true });
  // Empty AWS config files: a developer's profiles (SSO, role chains) must not leak into the run.
  fs.writeFileSync(path.join(WORK_DIR, 'aws-config'), '');

  const moto = await MotoServer.start(PYTHON, path.join(WORK_DIR, 'moto.log'));
  console.log(`moto server pid ${moto.pid} on ${moto.endpoint} (log: ${path.relative(REPO_ROOT, WORK_DIR)}/moto.log)`);
  const stopOnSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`\n${signal}: stopping child processes and moto server (pid ${moto.pid})`);
    killRunning();
    void moto.stop().finally(() => process.exit(130));
  };
  process.on('exit', () => moto.killSync());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, stopOnSignal);
  }

  const results = new Map<string, CheckResult[]>();
  const timings: string[] = [];
  try {
    const probe = await awsChecks(moto, { command: 'probe' });
    console.log(`moto models mutable tag exclusions: ${probe.exclusionsModelled ? 'yes' : 'NO'} (${probe.detail})`);
    for (const example of examples) {
      const exampleStarted = Date.now();
      console.log(`\n▶ ${example.name}`);
      await moto.reset();
      results.set(example.name, await runExample(example, moto, probe.exclusionsModelled));
      timings.push(`${example.name} ${seconds(exampleStarted)}`);
    }
  } finally {
    await moto.stop();
    console.log(`\nmoto server pid ${moto.pid} stopped`);
  }
  return summarize(results, timings, started);
}

async function preflight(): Promise<void> {
  const probe = await run(PYTHON, ['-c', 'import moto, boto3; print(moto.__version__)'], { timeoutMs: 60_000 })
    .catch(() => undefined);
  if (!probe || probe.code !== 0) {
    throw new E2eError(`${PYTHON} with the moto and boto3 packages is required (set E2E_PYTHON to use another interpreter)` +
      (probe ? `:\n${lastLines(probe.stderr, 3)}` : ''));
  }
  console.log(`moto ${probe.stdout.trim()} (${PYTHON})`);
}

async function runExample(example: Example, moto: MotoServer, exclusionsModelled: boolean): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const dir = path.join(WORK_DIR, example.name);
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'cdk.log');
  const assembly = path.join(dir, 'cdk.out');
  const env = awsEnv(moto);
  // Steps print as they finish; API checks print only when they fail, then as a count.
  const record = (status: Status, check: string, detail = '', progress = true) => {
    results.push({ status, check, detail });
    if (!interrupted && (progress || status === 'FAIL')) {
      console.log(`  ${status} ${check}${detail && status !== 'PASS' ? `: ${detail}` : ''}`);
    }
  };
  const recordChecks = (phase: string, checks: CheckResult[]) => {
    checks.forEach(r => record(r.status, r.check, r.detail, false));
    const count = (status: Status) => checks.filter(r => r.status === status).length;
    console.log(`  checks ${phase}: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`);
  };
  const cdk = async (check: string, args: string[], credentials?: Credentials): Promise<boolean> => {
    const result = await run(process.execPath, [CDK_CLI, ...args, '--app', assembly, ...CDK_QUIET_FLAGS], {
      cwd: example.dir,
      env: credentials ? withCredentials(env, credentials) : env,
      logFile,
      timeoutMs: STEP_TIMEOUT_MS,
    });
    const ok = result.code === 0;
    const why = result.timedOut ? `timed out after ${STEP_TIMEOUT_MS / 1000} s` : `exit code ${result.code}`;
    record(ok ? 'PASS' : 'FAIL', `${check} (${result.seconds.toFixed(1)} s)`,
      ok ? '' : `${why}; last lines of ${path.relative(REPO_ROOT, logFile)}:\n${lastLines(result.stdout + result.stderr, 12)}`);
    return ok;
  };

  // The template validator (about 6 s per stack here) is off: lint:cfn and the unit tests cover it.
  const synth = await synthExample(example, assembly, { ...env, CDK_VALIDATION: 'false' }, { lookups: true, logFile });
  if (synth.code !== 0) {
    record('FAIL', 'synth', `exit code ${synth.code}:\n${lastLines(synth.stdout + synth.stderr, 15)}`);
    return results;
  }
  record('PASS', `synth (${synth.seconds.toFixed(1)} s)`);
  if (synth.contextLookups) {
    console.log('  note: synth made context lookups (answered by moto; the cdk.context.json change was undone): ' +
      'lint:cfn forbids lookups, so commit the example\'s cdk.context.json or avoid lookups');
  }

  const allStacks = readStacks(assembly);
  for (const stack of allStacks.filter(s => s.nestedAssembly)) {
    record('SKIP', `${stack.id}: deploy`, 'stack inside a Stage: `cdk deploy --all` does not select it');
  }
  const stacks = allStacks.filter(s => !s.nestedAssembly);
  if (stacks.length === 0) {
    record('FAIL', 'stacks', 'the app has no top-level stack to deploy');
    return results;
  }
  console.log(`  stacks: ${stacks.map(describeStack).join(', ')}`);

  // Resource types moto's CloudFormation does not know at all: a template that reads one of their
  // attributes (Fn::GetAtt) is rejected before anything is created, so the example cannot be deployed.
  const unknown = stacks.flatMap(s => {
    const resources: Record<string, { Type: string }> = JSON.parse(fs.readFileSync(s.templateFile, 'utf8')).Resources ?? {};
    return Object.values(resources).map(r => r.Type).filter(t => t in NOT_DEPLOYABLE_ON_MOTO);
  });
  if (unknown.length > 0) {
    for (const type of [...new Set(unknown)].sort()) {
      record('SKIP', `deploy: ${type}`, `moto does not model ${NOT_DEPLOYABLE_ON_MOTO[type]} (its CloudFormation rejects Fn::GetAtt on it); ` +
        'covered by template tests, the template validator and lint:cfn');
    }
    return results;
  }

  // One bootstrap call per account, with credentials that act in that account.
  const accounts = [...new Set(stacks.map(s => s.account))].sort();
  const credentials = await awsChecks(moto, { command: 'credentials', accounts })
    .then(answer => answer.credentials as Record<string, Credentials>, (e: Error) => { record('FAIL', 'credentials', e.message); return undefined; });
  if (!credentials) return results;
  for (const account of accounts) {
    const regions = [...new Set(stacks.filter(s => s.account === account).map(s => s.region))].sort();
    const targets = regions.map(region => `aws://${account}/${region}`);
    const via = account === DEFAULT_ACCOUNT ? '' : ' via STS AssumeRole';
    if (!await cdk(`bootstrap ${targets.join(' ')}${via}`, ['bootstrap', ...targets], credentials[account])) {
      return results;
    }
  }

  const deployed = await cdk('deploy --all', ['deploy', '--all', '--require-approval', 'never']);
  if (deployed) {
    const diff = await run(process.execPath,
      [CDK_CLI, 'diff', '--fail', '--method=template', '--app', assembly, ...CDK_QUIET_FLAGS],
      { cwd: example.dir, env, logFile, timeoutMs: STEP_TIMEOUT_MS });
    const output = diff.stdout + diff.stderr;
    if (diff.code === 0) {
      record('PASS', `diff after deploy: no differences (${diff.seconds.toFixed(1)} s)`);
    } else {
      const changes = output.split('\n').filter(line => /^\s*\[[-+~]\]/.test(line) || /^Stack /.test(line));
      record('FAIL', 'diff after deploy: no differences',
        `exit code ${diff.code}:\n${lastLines(changes.length > 0 ? changes.join('\n') : output, 20)}`);
    }
    const afterDeploy = await awsChecks(moto, { command: 'after-deploy', stacks, exclusionsModelled })
      .catch((e: Error) => { record('FAIL', 'checks after deploy', e.message); return undefined; });
    if (afterDeploy) {
      recordChecks('after deploy', afterDeploy.results);
      fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(afterDeploy.state, undefined, 2));
    }
    const destroyed = await cdk('destroy --all', ['destroy', '--all', '--force']);
    if (destroyed && afterDeploy) {
      const afterDestroy = await awsChecks(moto, { command: 'after-destroy', stacks, state: afterDeploy.state })
        .catch((e: Error) => { record('FAIL', 'checks after destroy', e.message); return undefined; });
      if (afterDestroy) recordChecks('after destroy', afterDestroy.results);
    }
  } else {
    // Whatever was created must go before the next example; the failure is already recorded.
    await cdk('destroy --all (after a failed deploy)', ['destroy', '--all', '--force']);
  }
  return results;
}

/** Environment for the CDK CLI: moto endpoint, test credentials, no retries, nothing from the developer's AWS config. */
function awsEnv(moto: MotoServer): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('AWS_') || name.startsWith('CDK_')) {
      delete env[name];
    }
  }
  const awsConfig = path.join(WORK_DIR, 'aws-config');
  return {
    ...env,
    AWS_ENDPOINT_URL: moto.cliEndpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: awsConfig,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    // The SDK's "node >= 22 soon" notice would fill every failure excerpt.
    NODE_NO_WARNINGS: '1',
    NO_PROXY: ['localhost', '127.0.0.1', env.NO_PROXY].filter(Boolean).join(','),
    no_proxy: ['localhost', '127.0.0.1', env.no_proxy].filter(Boolean).join(','),
  };
}

function withCredentials(env: NodeJS.ProcessEnv, credentials: Credentials): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env, AWS_ACCESS_KEY_ID: credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey };
  if (credentials.SessionToken) {
    result.AWS_SESSION_TOKEN = credentials.SessionToken;
  }
  return result;
}

/** One request to aws_checks.py; its failure to run at all is an error of this script, not a check. */
async function awsChecks(moto: MotoServer, request: Record<string, unknown>): Promise<any> {
  const result = await run(PYTHON, [CHECKS_SCRIPT], {
    input: JSON.stringify({ endpoint: moto.endpoint, ...request }),
    env: { ...awsEnv(moto), AWS_ENDPOINT_URL: moto.endpoint },
    timeoutMs: STEP_TIMEOUT_MS,
  });
  if (result.code !== 0) {
    throw new E2eError(`aws_checks.py ${request.command} failed (exit code ${result.code}):\n${lastLines(result.stderr, 15)}`);
  }
  return JSON.parse(result.stdout);
}

function describeStack(stack: StackInfo): string {
  const where = stack.envAgnostic ? `${stack.account}/${stack.region} (env-agnostic: defaults)` : `${stack.account}/${stack.region}`;
  return `${stack.stackName} @ ${where}`;
}

function summarize(results: Map<string, CheckResult[]>, timings: string[], started: number): number {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  console.log('\n==== e2e summary ====');
  for (const [example, checks] of results) {
    console.log(`\n${example}`);
    for (const r of checks) {
      console.log(`  ${r.status} ${r.check}${r.detail ? ` · ${firstLine(r.detail)}` : ''}`);
      if (r.status === 'PASS') passed++;
      else if (r.status === 'FAIL') failed++;
      else skipped++;
    }
  }
  console.log(`\nwall time ${seconds(started)} (${timings.join(', ')})`);
  console.log(`${skipped} skipped (not modelled by moto, or not applicable)`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

main().then(code => process.exit(code), (error: unknown) => {
  killRunning();
  if (error instanceof E2eError) {
    console.error(`test:e2e: ${error.message}`);
  } else {
    console.error('test:e2e: unexpected error');
    console.error(error);
  }
  console.log('0 passed, 1 failed');
  process.exit(2);
});
