import { parseArgs } from 'util';
import { LifecycleAction, LifecycleEvaluationResult, LifecycleImage, LifecyclePolicy, LifecycleStorageClass } from '../lifecycle';
import { readDescribeImages, SkippedImage, timestamp } from './describe-images';
import { UsageError } from './usage-error';

/** What the command needs from the outside world, so that tests can run it in-process. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readFile: (path: string) => string;
  readonly now: () => Date;
}

export const USAGE = `Usage: cdk-ecr-blueprints lifecycle-preview (--policy FILE | --template FILE --repository ID) [options] IMAGES...

Shows which images an ECR lifecycle policy would expire or archive, following ECR's documented
evaluation rules, without touching the repository.

Policy (one of):
  --policy FILE          lifecycle policy text (JSON), or the output of aws ecr get-lifecycle-policy
  --template FILE        a synthesized CloudFormation template (JSON, for example cdk.out/Stack.template.json)
  --repository ID        with --template: the logical id of the AWS::ECR::Repository
                         (or AWS::ECR::RepositoryCreationTemplate)

Images:
  IMAGES, --images FILE  output of aws ecr describe-images --repository-name NAME --output json;
                         give every page (add --filter imageStatus=ANY to include archived images)

Options:
  --now TIME             evaluate at this time (ISO 8601), default: the current time
  --all                  list the images that are kept too
  --json                 print JSON instead of a table
  -h, --help             show this help

Exit codes: 0 done, 2 invalid input or options, 1 unexpected failure.`;

interface Options {
  policy?: string;
  template?: string;
  repository?: string;
  images: string[];
  now?: string;
  json: boolean;
  all: boolean;
}

/** Runs the command line and returns the exit code. Never throws. */
export function run(argv: string[], io: CliIo): number {
  try {
    const [command, ...rest] = argv;
    if (command === '-h' || command === '--help' || command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (command !== 'lifecycle-preview') {
      throw new UsageError(command === undefined
        ? 'no command; the command is lifecycle-preview (see --help)'
        : `unknown command ${JSON.stringify(command)}; the command is lifecycle-preview (see --help)`);
    }
    const options = parseOptions(rest);
    if (options === 'help') {
      io.out(USAGE);
      return 0;
    }
    preview(options, io);
    return 0;
  } catch (e) {
    const error = e as Error;
    const oneLine = (text: string) => text.split('\n').map(l => l.trim()).filter(Boolean).join('; ');
    if (error instanceof UsageError) {
      io.err(`lifecycle-preview: ${oneLine(error.message)}`);
      return 2;
    }
    io.err(`lifecycle-preview: unexpected error: ${oneLine(String(error?.message ?? error))}`);
    return 1;
  }
}

/** The options with a value: given once at most (a second --policy is an error, not an override). */
const SINGLE_VALUED = ['policy', 'template', 'repository', 'now'] as const;

function parseOptions(args: string[]): Options | 'help' {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(args);
  } catch (e) {
    throw usageErrorOf(e as Error & { code?: string });
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) return 'help';
  for (const name of SINGLE_VALUED) {
    const given = tokens.filter(t => t.kind === 'option' && t.name === name).length;
    if (given > 1) throw new UsageError(`--${name} given ${given} times; give it once`);
  }
  const options: Options = {
    policy: values.policy,
    template: values.template,
    repository: values.repository,
    now: values.now,
    images: [...(values.images ?? []), ...positionals],
    json: values.json ?? false,
    all: values.all ?? false,
  };
  if (!options.policy === !options.template) throw new UsageError('give either --policy FILE or --template FILE --repository ID');
  if (options.template && !options.repository) throw new UsageError('--template needs --repository with the logical id of the repository');
  if (options.policy && options.repository) throw new UsageError('--repository goes with --template, not --policy');
  if (options.images.length === 0) throw new UsageError('give at least one file of aws ecr describe-images output');
  return options;
}

/** Node's parser: `--name value`, `--name=value`, and `--` ends the options (image files may start with `-`). */
function parseCommandLine(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    tokens: true,
    options: {
      policy: { type: 'string' },
      template: { type: 'string' },
      repository: { type: 'string' },
      images: { type: 'string', multiple: true },
      now: { type: 'string' },
      json: { type: 'boolean' },
      all: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** parseArgs' errors, in the command's words (the option is quoted in every message parseArgs writes). */
function usageErrorOf(error: Error & { code?: string }): Error {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${option} (see --help)`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(/does not take an argument/.test(error.message)
        ? `${option} takes no value`
        : `${option} needs a value`);
    default:
      return error;
  }
}

function read(io: CliIo, path: string): string {
  try {
    return io.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read the file (${code ?? (e as Error).message})`);
  }
}

function json(path: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not JSON (${(e as Error).message}); expected ${what}`);
  }
}

/** The policy text and where it came from. */
function loadPolicy(options: Options, io: CliIo): { text: string; source: string } {
  if (options.policy) {
    const text = read(io, options.policy);
    const doc = json(options.policy, text, 'lifecycle policy text');
    // The output of `aws ecr get-lifecycle-policy` carries the text as a string field.
    if (doc && typeof doc === 'object' && typeof (doc as any).lifecyclePolicyText === 'string') {
      return { text: (doc as any).lifecyclePolicyText, source: options.policy };
    }
    return { text, source: options.policy };
  }
  const path = options.template!;
  const id = options.repository!;
  const template = json(path, read(io, path), 'a synthesized CloudFormation template (JSON)') as any;
  const resources = template && typeof template === 'object' ? template.Resources : undefined;
  if (!resources || typeof resources !== 'object') throw new UsageError(`${path}: no Resources; expected a CloudFormation template`);
  const ecr = Object.keys(resources).filter(k => /^AWS::ECR::(Repository|RepositoryCreationTemplate)$/.test(resources[k]?.Type));
  const resource = resources[id];
  if (!resource || !ecr.includes(id)) {
    const choices = ecr.length ? `the ECR repositories are ${ecr.join(', ')}` : 'the template has no ECR repository';
    throw new UsageError(`${path}: no AWS::ECR::Repository with logical id ${JSON.stringify(id)}; ${choices}`);
  }
  const text = resource.Type === 'AWS::ECR::Repository'
    ? resource.Properties?.LifecyclePolicy?.LifecyclePolicyText
    : resource.Properties?.LifecyclePolicy;
  if (text === undefined) throw new UsageError(`${path}: ${id} has no lifecycle policy`);
  if (typeof text !== 'string') {
    throw new UsageError(`${path}: the lifecycle policy of ${id} is not a literal string (it uses CloudFormation functions); ` +
      'save the deployed text (aws ecr get-lifecycle-policy) and pass it with --policy');
  }
  return { text, source: `${path} (${id})` };
}

interface Row {
  readonly image: LifecycleImage;
  readonly result?: LifecycleEvaluationResult;
}

function preview(options: Options, io: CliIo): void {
  const now = options.now === undefined ? io.now()
    : timestamp('--now', 'time', /^\d+(\.\d+)?$/.test(options.now) ? Number(options.now) : options.now)!;
  const { text, source } = loadPolicy(options, io);
  let policy: LifecyclePolicy;
  try {
    policy = LifecyclePolicy.fromJson(text);
  } catch (e) {
    throw new UsageError(`${source}: ${(e as Error).message.replace(/^LifecyclePolicy\.fromJson:? ?/gm, '')}`);
  }
  const input = readDescribeImages(options.images.map(name => ({ name, text: read(io, name) })));
  if (input.repositories.length > 1) {
    throw new UsageError(`the images come from several repositories (${input.repositories.join(', ')}); a lifecycle policy applies to one`);
  }

  let results: LifecycleEvaluationResult[];
  try {
    results = policy.evaluate(input.images.map(i => i.image), now);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const byDigest = new Map(results.map(r => [r.digest, r]));
  const imageByDigest = new Map(input.images.map(i => [i.image.digest, i.image]));
  const rows: Row[] = results.map(result => ({ image: imageByDigest.get(result.digest)!, result }));
  const kept = input.images.map(i => i.image).filter(i => !byDigest.has(i.digest))
    .sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.digest < b.digest ? -1 : 1));

  const warnings = warningsFor(policy, input.images.map(i => i.image), input.manifestLists);
  const totals = summarize(results, kept.length, input.skipped);

  if (options.json) {
    io.out(JSON.stringify({
      policy: source,
      now: now.toISOString(),
      repository: input.repositories[0],
      images: input.images.length + input.skipped.length,
      ...totals,
      warnings,
      results: results.map(r => jsonRow(imageByDigest.get(r.digest)!, r)),
      ...(options.all ? { kept: kept.map(image => jsonRow(image)) } : {}),
    }, undefined, 2));
    return;
  }

  const lines: string[] = [];
  const repository = input.repositories[0] ? ` for ${input.repositories[0]}` : '';
  lines.push(`Lifecycle preview of ${source}${repository} at ${now.toISOString()}: ` +
    `${input.images.length + input.skipped.length} images in ${options.images.length} file${options.images.length === 1 ? '' : 's'}`);
  lines.push('');
  const tableRows = [...rows, ...(options.all ? kept.map(image => ({ image })) : [])];
  if (tableRows.length === 0) {
    lines.push('No image would be expired or archived.');
  } else {
    lines.push(...table(tableRows));
  }
  lines.push('');
  lines.push(`Expire:  ${count(totals.expire.images)}, ${bytes(totals.expire.bytes)} reclaimed`);
  lines.push(`Archive: ${count(totals.archive.images)}, ${bytes(totals.archive.bytes)} moved to archive storage`);
  lines.push(`Keep:    ${count(totals.keep.images)}`);
  if (input.skipped.length) lines.push(`Skipped: ${count(input.skipped.length)} (${[...new Set(input.skipped.map(s => s.reason))].join('; ')})`);
  for (const w of warnings) lines.push(`warning: ${w}`);
  io.out(lines.join('\n'));
}

function summarize(results: LifecycleEvaluationResult[], kept: number, skipped: SkippedImage[]) {
  const of = (action: LifecycleAction) => {
    const matching = results.filter(r => r.action === action);
    return { images: matching.length, bytes: matching.reduce((sum, r) => sum + (r.sizeInBytes ?? 0), 0) };
  };
  return {
    expire: of(LifecycleAction.EXPIRE),
    archive: of(LifecycleAction.TRANSITION),
    keep: { images: kept },
    skipped: skipped.map(s => ({ digest: s.digest, tags: s.tags, reason: s.reason })),
  };
}

function warningsFor(policy: LifecyclePolicy, images: LifecycleImage[], manifestLists: number): string[] {
  const warnings: string[] = [];
  const archiveRules = policy.resolvedRules().some(r => r.storageClass === LifecycleStorageClass.ARCHIVE);
  if (archiveRules && !images.some(i => i.storageClass === LifecycleStorageClass.ARCHIVE)) {
    warnings.push('the policy has rules for archived images but the input has none; ' +
      'describe-images lists only active images unless given --filter imageStatus=ANY');
  }
  if (manifestLists > 0) {
    warnings.push(`${manifestLists} manifest list${manifestLists === 1 ? '' : 's'} in the input: ` +
      'ECR never expires or archives an image a manifest list references, and describe-images does not say which ones are referenced, ' +
      'so some untagged platform images shown here may be kept');
  }
  return warnings;
}

function jsonRow(image: LifecycleImage, result?: LifecycleEvaluationResult) {
  return {
    digest: image.digest,
    tags: image.tags ?? [],
    action: result?.action ?? 'keep',
    ...(result ? { rulePriority: result.rulePriority } : {}),
    ...(result?.ruleDescription !== undefined ? { ruleDescription: result.ruleDescription } : {}),
    ...(result ? { reason: result.reason } : {}),
    storageClass: image.storageClass ?? LifecycleStorageClass.STANDARD,
    pushedAt: image.pushedAt.toISOString(),
    ...(image.lastPulledAt ? { lastPulledAt: image.lastPulledAt.toISOString() } : {}),
    ...(image.transitionedAt ? { archivedAt: image.transitionedAt.toISOString() } : {}),
    ...(image.sizeInBytes !== undefined ? { sizeInBytes: image.sizeInBytes } : {}),
  };
}

function table(rows: Row[]): string[] {
  const header = ['DIGEST', 'TAGS', 'PUSHED', 'LAST PULL', 'SIZE', 'ACTION', 'RULE'];
  const cells = rows.map(({ image, result }) => [
    image.digest.replace(/^sha256:/, '').slice(0, 12),
    clip((image.tags ?? []).join(',') || '<untagged>', 28),
    day(image.pushedAt),
    image.lastPulledAt ? day(image.lastPulledAt) : 'never',
    image.sizeInBytes === undefined ? '?' : bytes(image.sizeInBytes),
    result ? (result.action === LifecycleAction.EXPIRE ? 'expire' : 'archive') : 'keep',
    result ? clip(`${result.rulePriority} ${result.ruleDescription ?? ''}`.trim(), 60) : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map(c => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 4 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)];
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function count(n: number): string {
  return `${n} image${n === 1 ? '' : 's'}`;
}

/** Bytes in binary units, as the ECR console shows image sizes (MiB). */
function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}
