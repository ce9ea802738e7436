/**
 * Checks that the two benchmark apps synthesize the same security posture, so that the benchmark
 * compares like with like:
 *
 *   node --import tsx bench/posture.ts [repositories]      # default 2; bench/run.ts runs it first
 *
 * Both apps are built in this process. Every CloudFormation resource gets a label from its
 * construct path (for example `log-key-1`), references between resources are rewritten to labels,
 * lifecycle policy text is parsed, the account and region that aws-cdk-lib reads out of a
 * repository's ARN are replaced by the stack's (the values they have), and then the resources are
 * compared property by property.
 * Differences listed in ACCEPTED are reported but do not fail; any other difference, or a resource
 * without a counterpart, makes the exit code 1.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack, Token } from 'aws-cdk-lib';

type Side = 'hand-written' | 'ours';

interface AppModule {
  buildApp(app: App, count: number): Stack;
}

/** Construct path of a CloudFormation resource (relative to the stack) to its label, per side. */
const LABELS: Record<Side, Array<[RegExp, string]>> = {
  'ours': [
    [/^Registry\/Key\/Resource$/, 'registry-key'],
    [/^Registry\/Scanning$/, 'registry-scanning'],
    [/^Registry\/Repository\/team--app-(\d+)\/Resource$/, 'repository-$1'],
    [/^Task(\d+)\/Resource$/, 'task-definition-$1'],
    [/^Task(\d+)\/TaskRole\/Resource$/, 'task-role-$1'],
    [/^Task(\d+)\/ExecutionRole\/Resource$/, 'execution-role-$1'],
    [/^Task(\d+)\/ExecutionRole\/Policy\/Resource$/, 'execution-policy-$1'],
    [/^RegistryAuthorizationPolicy\/Resource$/, 'authorization-policy'],
    [/^SharedLogKey\/Resource$/, 'log-key'],
    [/^Task(\d+)\/LogGroup\/Resource$/, 'log-group-$1'],
  ],
  'hand-written': [
    [/^RegistryKey\/Resource$/, 'registry-key'],
    [/^Scanning$/, 'registry-scanning'],
    [/^Repository(\d+)\/Resource$/, 'repository-$1'],
    [/^Task(\d+)\/Resource$/, 'task-definition-$1'],
    [/^Task(\d+)\/TaskRole\/Resource$/, 'task-role-$1'],
    [/^ExecutionRole(\d+)\/Resource$/, 'execution-role-$1'],
    [/^ExecutionPolicy(\d+)\/Resource$/, 'execution-policy-$1'],
    [/^AuthorizationPolicy\/Resource$/, 'authorization-policy'],
    [/^LogKey\/Resource$/, 'log-key'],
    [/^Logs(\d+)\/Resource$/, 'log-group-$1'],
  ],
};

/**
 * Differences that do not change the security posture. Each one: a label pattern, a property path
 * pattern (as printed), and why it is accepted.
 */
const ACCEPTED: Array<{ label: RegExp; at: RegExp; why: string }> = [];

interface Normalized {
  readonly label: string;
  readonly type: string;
  readonly body: unknown;
}

function synthesize(side: Side, count: number, outdir: string): Map<string, Normalized> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, 'apps', side)) as AppModule;
  const app = new App({ outdir, context: { 'aws:cdk:disable-stack-trace': true } });
  const stack = mod.buildApp(app, count);
  const assembly = app.synth();
  const template = JSON.parse(fs.readFileSync(path.join(assembly.directory, stack.templateFile), 'utf-8'));

  const labels = new Map<string, string>();
  const unlabelled: string[] = [];
  for (const construct of stack.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) continue;
    const relative = construct.node.path.slice(stack.node.path.length + 1);
    const rule = LABELS[side].find(([pattern]) => pattern.test(relative));
    if (!rule) {
      unlabelled.push(relative);
      continue;
    }
    labels.set(stack.resolve(construct.logicalId), relative.replace(rule[0], rule[1]));
  }
  if (unlabelled.length > 0) {
    throw new Error(`${side}: resources without a label (add them to LABELS): ${unlabelled.join(', ')}`);
  }
  // Logical ids also appear inside strings (the log group name patterns of the log key policy).
  // Only the ids aws-cdk-lib makes unique with a hash suffix, so that a short id cannot match a word.
  const hashed = [...labels.keys()].filter(id => /[0-9A-F]{8}$/.test(id)).sort((a, b) => b.length - a.length);
  const idPattern = hashed.length === 0 ? undefined : new RegExp(hashed.join('|'), 'g');
  const relabel = (value: any): any => {
    if (typeof value === 'string' && idPattern) return value.replace(idPattern, id => labels.get(id)!);
    if (Array.isArray(value)) return value.map(relabel);
    if (value === null || typeof value !== 'object') return value;
    if (typeof value.Ref === 'string' && labels.has(value.Ref)) return { Ref: labels.get(value.Ref) };
    if (Array.isArray(value['Fn::GetAtt']) && labels.has(value['Fn::GetAtt'][0])) {
      return { 'Fn::GetAtt': [labels.get(value['Fn::GetAtt'][0]), value['Fn::GetAtt'][1]] };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Lifecycle policy text is JSON in a string: compare what it says, not its key order.
      out[k] = k === 'LifecyclePolicyText' && typeof v === 'string' ? JSON.parse(v) : relabel(v);
    }
    return out;
  };

  // Values known at synth are compared as values: the account and region that aws-cdk-lib reads out
  // of a repository's ARN (Fn::Select over Fn::Split) are the stack's, where the library writes them.
  const repositories = new Set(Object.entries<any>(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::ECR::Repository').map(([id]) => id));
  const arnPart: Record<number, string | undefined> = { 3: stack.region, 4: stack.account };
  const evaluate = (value: any): any => {
    if (Array.isArray(value)) return value.map(evaluate);
    if (value === null || typeof value !== 'object') return value;
    const select = value['Fn::Select'];
    const split = Array.isArray(select) ? select[1]?.['Fn::Split'] : undefined;
    const getAtt = Array.isArray(split) && split[0] === ':' ? split[1]?.['Fn::GetAtt'] : undefined;
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && repositories.has(getAtt[0]) && typeof arnPart[select[0]] === 'string'
      && !Token.isUnresolved(arnPart[select[0]])) {
      return arnPart[select[0]];
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = evaluate(v);
    const join = out['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      // Adjacent strings of a join are one string.
      const parts = (join[1] as unknown[]).reduce<unknown[]>((acc, part) => {
        if (typeof part === 'string' && typeof acc[acc.length - 1] === 'string') acc[acc.length - 1] = `${acc[acc.length - 1]}${join[0]}${part}`;
        else acc.push(part);
        return acc;
      }, []);
      return { 'Fn::Join': [join[0], parts] };
    }
    return out;
  };

  const result = new Map<string, Normalized>();
  for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
    const label = labels.get(logicalId);
    if (!label) throw new Error(`${side}: resource ${logicalId} is not a construct of the stack`);
    result.set(label, { label, type: resource.Type, body: relabel(evaluate(resource)) });
  }
  const { Resources: _resources, ...rest } = template;
  result.set('template-sections', { label: 'template-sections', type: '(Parameters, Rules, Outputs, ...)', body: rest });
  return result;
}

/** Property paths where a and b differ. */
function diff(a: unknown, b: unknown, at: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const isObject = (v: unknown) => v !== null && typeof v === 'object';
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const key of keys) diff((a as any)[key], (b as any)[key], at ? `${at}.${key}` : key, out);
    return;
  }
  out.push(at);
}

function typeCounts(resources: Map<string, Normalized>): string {
  const counts: Record<string, number> = {};
  for (const r of resources.values()) if (r.label !== 'template-sections') counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.entries(counts).sort().map(([t, n]) => `${t.replace(/^AWS::/, '')} ${n}`).join(', ');
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? '(absent)' : text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function main(): number {
  const count = Number(process.argv[2] ?? 2);
  if (!Number.isInteger(count) || count < 1) throw new Error('usage: posture.ts [repositories]');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-posture-'));
  try {
    const hand = synthesize('hand-written', count, path.join(tmp, 'hand-written'));
    const ours = synthesize('ours', count, path.join(tmp, 'ours'));
    console.log(`posture check, N=${count}`);
    console.log(`  hand-written: ${typeCounts(hand)}`);
    console.log(`  ours:         ${typeCounts(ours)}`);

    const failures: string[] = [];
    const accepted = new Map<string, number>();
    for (const label of [...new Set([...hand.keys(), ...ours.keys()])].sort()) {
      const h = hand.get(label);
      const o = ours.get(label);
      if (!h || !o) {
        failures.push(`${label}: only in ${h ? 'hand-written' : 'ours'} (${(h ?? o)!.type})`);
        continue;
      }
      const paths: string[] = [];
      diff(h.body, o.body, '', paths);
      for (const at of paths) {
        const rule = ACCEPTED.find(a => a.label.test(label) && a.at.test(at));
        if (rule) {
          accepted.set(rule.why, (accepted.get(rule.why) ?? 0) + 1);
          continue;
        }
        const get = (body: unknown) => at.split('.').reduce<any>((v, k) => v?.[k], body);
        failures.push(`${label} ${at}: hand-written ${show(get(h.body))}, ours ${show(get(o.body))}`);
      }
    }
    for (const [why, n] of accepted) console.log(`  accepted (${n}x): ${why}`);
    if (failures.length === 0) {
      console.log(`  same posture: ${hand.size - 1} resources compared property by property, no other difference`);
      return 0;
    }
    console.log(`  ${failures.length} posture difference(s):`);
    for (const f of failures) console.log(`    ${f}`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(main());
