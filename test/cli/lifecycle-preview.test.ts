import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LifecyclePolicy, LifecycleRule, SecureRepository } from '../../src';
import { run } from '../../src/cli/lifecycle-preview';
import { FIXTURE_NOW, FIXTURE_PAGES, generatePages, generatePolicy } from '../fixtures/lifecycle/generate-fixture';

const FIXTURES = join(__dirname, '..', 'fixtures', 'lifecycle');
const PAGES = FIXTURE_PAGES.map(p => join(FIXTURES, p));
const POLICY = join(FIXTURES, 'policy.json');
const NOW = ['--now', FIXTURE_NOW.toISOString()];

interface Outcome { code: number; out: string; err: string }

/** Runs the command in-process, with `files` readable besides the real ones. */
function cli(args: string[], files: Record<string, string> = {}): Outcome {
  let out = '';
  let err = '';
  const code = run(args, {
    out: text => { out += `${text}\n`; },
    err: text => { err += `${text}\n`; },
    readFile: path => (path in files ? files[path] : readFileSync(path, 'utf8')),
    now: () => FIXTURE_NOW,
  });
  return { code, out, err };
}

const image = (digest: string, extra: Record<string, unknown> = {}) => ({
  registryId: '111122223333', repositoryName: 'repo', imageDigest: digest, imagePushedAt: '2025-01-01T00:00:00+00:00', ...extra,
});
const page = (...details: unknown[]) => JSON.stringify({ imageDetails: details });
const untaggedPolicy = JSON.stringify({
  rules: [{
    rulePriority: 1,
    description: 'Expire untagged images after 7 days',
    selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
    action: { type: 'expire' },
  }],
});

describe('the fixture', () => {
  test('is what the committed generator writes (a few hundred images over three pages)', () => {
    const pages = generatePages();
    PAGES.forEach((path, i) => expect(readFileSync(path, 'utf8')).toBe(pages[i]));
    expect(readFileSync(POLICY, 'utf8')).toBe(generatePolicy());
    const count = pages.reduce((n, p) => n + JSON.parse(p).imageDetails.length, 0);
    expect(count).toBeGreaterThanOrEqual(300);
    expect(JSON.parse(pages[0]).nextToken).toEqual(expect.any(String));
    expect(typeof JSON.parse(pages[2]).imageDetails[0].imagePushedAt).toBe('number');
  });
});

describe('lifecycle-preview on the fixture', () => {
  test('prints a table of what is expired and archived, with totals and bytes reclaimed', () => {
    const { code, out, err } = cli(['lifecycle-preview', '--policy', POLICY, ...NOW, ...PAGES]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`Lifecycle preview of ${POLICY} for team-a/api at 2025-06-01T00:00:00.000Z: 411 images in 3 files`);
    expect(lines[2]).toMatch(/^DIGEST {8}TAGS +PUSHED +LAST PULL +SIZE +ACTION +RULE$/);
    expect(lines[3]).toMatch(/^[0-9a-f]{12}  v1\.0\.0,sha-[0-9a-f]{7} +2023-07-01 +\S+ +[\d.]+ MiB +expire +1 Keep the newest 20 releases$/);
    expect(out).toContain('\nExpire:  217 images, 49.3 GiB reclaimed\n');
    expect(out).toContain('\nArchive: 51 images, 11.8 GiB moved to archive storage\n');
    expect(out).toContain('\nKeep:    142 images\n');
    expect(out).toContain('\nSkipped: 1 image (imageStatus ACTIVATING: being restored from the archive)\n');
    expect(out).toContain('\nwarning: 1 manifest list in the input: ECR never expires or archives an image a manifest list references');
  });

  test('--json gives the same decisions as LifecyclePolicy.evaluate, and consistent totals', () => {
    const { code, out } = cli(['lifecycle-preview', '--policy', POLICY, ...NOW, '--json', '--all', ...PAGES]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ policy: POLICY, now: '2025-06-01T00:00:00.000Z', repository: 'team-a/api', images: 411 });
    expect(report.expire.images + report.archive.images + report.keep.images + report.skipped.length).toBe(411);
    expect(report.results).toHaveLength(report.expire.images + report.archive.images);
    expect(report.kept).toHaveLength(report.keep.images);
    const bytes = report.results.filter((r: any) => r.action === 'expire').reduce((n: number, r: any) => n + r.sizeInBytes, 0);
    expect(report.expire.bytes).toBe(bytes);
    expect(report.results[0]).toEqual({
      digest: expect.stringMatching(/^sha256:/),
      tags: ['v1.0.0', expect.stringMatching(/^sha-/)],
      action: 'expire',
      rulePriority: 1,
      ruleDescription: 'Keep the newest 20 releases',
      reason: '71 images match; only the newest 20 by push time are kept',
      storageClass: 'standard',
      pushedAt: expect.any(String),
      lastPulledAt: expect.any(String),
      sizeInBytes: expect.any(Number),
    });

    // The same images through the library API.
    const details = PAGES.flatMap(p => JSON.parse(readFileSync(p, 'utf8')).imageDetails).filter((d: any) => d.imageStatus !== 'ACTIVATING');
    const time = (v: any) => (v === undefined ? undefined : new Date(typeof v === 'number' ? v * 1000 : v));
    const expected = LifecyclePolicy.fromJson(readFileSync(POLICY, 'utf8')).evaluate(details.map((d: any) => ({
      digest: d.imageDigest,
      tags: d.imageTags,
      pushedAt: time(d.imagePushedAt)!,
      lastPulledAt: time(d.lastRecordedPullTime),
      storageClass: d.imageStatus === 'ARCHIVED' ? 'archive' as any : undefined,
      transitionedAt: time(d.lastArchivedAt),
      sizeInBytes: d.imageSizeInBytes,
      subjectDigest: d.subjectManifestDigest,
    })), FIXTURE_NOW);
    expect(report.results.map((r: any) => [r.digest, r.action, r.rulePriority])).toEqual(expected.map(r => [r.digest, r.action, r.rulePriority]));
  });

  test('pages can be given in any order, and with --images', () => {
    const all = cli(['lifecycle-preview', '--policy', POLICY, ...NOW, '--json', ...PAGES]);
    const reordered = cli(['lifecycle-preview', `--policy=${POLICY}`, ...NOW, '--json', '--images', PAGES[2], PAGES[0], `--images=${PAGES[1]}`]);
    expect(JSON.parse(reordered.out).results).toEqual(JSON.parse(all.out).results);
    const first = JSON.parse(cli(['lifecycle-preview', '--policy', POLICY, ...NOW, '--json', PAGES[0]]).out);
    expect(first.images).toBeLessThan(JSON.parse(all.out).images);
  });

  test('runs well under a second for a few hundred images', () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = process.hrtime.bigint();
      expect(cli(['lifecycle-preview', '--policy', POLICY, ...NOW, ...PAGES]).code).toBe(0);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    // eslint-disable-next-line no-console
    console.log(`lifecycle-preview on 411 images: median ${times[2].toFixed(1)} ms, slowest ${times[4].toFixed(1)} ms (in-process)`);
    expect(times[2]).toBeLessThan(500);
  });

  test('--now takes epoch seconds too', () => {
    const iso = cli(['lifecycle-preview', '--policy', POLICY, '--now', '2025-06-01T00:00:00Z', '--json', ...PAGES]);
    const epoch = cli(['lifecycle-preview', '--policy', POLICY, '--now', String(FIXTURE_NOW.getTime() / 1000), '--json', ...PAGES]);
    expect(epoch.out).toBe(iso.out);
  });

  test('with no affected image it says so', () => {
    const { code, out } = cli(['lifecycle-preview', '--policy', 'p.json', ...NOW, 'i.json'], {
      'p.json': untaggedPolicy, 'i.json': page(image('sha256:a', { imageTags: ['v1'] })),
    });
    expect(code).toBe(0);
    expect(out).toContain('\nNo image would be expired or archived.\n');
    expect(out).toContain('Expire:  0 images, 0 B reclaimed');
  });

  test('warns when the policy has archive rules but no archived image was listed', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.archiveAfterDaysSinceLastPull(30), LifecycleRule.expireArchivedAfter(90)] }).toJson();
    const { out } = cli(['lifecycle-preview', '--policy', 'p.json', ...NOW, 'i.json'], { 'p.json': policy, 'i.json': page(image('sha256:a')) });
    expect(out).toContain('warning: the policy has rules for archived images but the input has none; ' +
      'describe-images lists only active images unless given --filter imageStatus=ANY');
  });

  test('reads the output of aws ecr get-lifecycle-policy', () => {
    const getLifecyclePolicy = JSON.stringify({ registryId: '111122223333', repositoryName: 'repo', lifecyclePolicyText: untaggedPolicy, lastEvaluatedAt: 0 });
    const { code, out } = cli(['lifecycle-preview', '--policy', 'p.json', ...NOW, '--json', 'i.json'], {
      'p.json': getLifecyclePolicy, 'i.json': page(image('sha256:a'), image('sha256:b', { imageTags: ['v1'] })),
    });
    expect(code).toBe(0);
    expect(JSON.parse(out).results.map((r: any) => r.digest)).toEqual(['sha256:a']);
  });
});

describe('--template and --repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifecycle-preview-'));
  const stack = new Stack(new App(), 'Stack');
  const repository = new SecureRepository(stack, 'Repo', {
    lifecycleRules: [LifecycleRule.expireUntaggedAfter(7), LifecycleRule.keepNewest(1, { tagPatterns: ['v*'] })],
  });
  repository.protectTag('v1', 'ApiTask');
  const template = Template.fromStack(stack).toJSON();
  const logicalId = Object.keys(template.Resources).find(k => template.Resources[k].Type === 'AWS::ECR::Repository')!;
  const templatePath = join(dir, 'Stack.template.json');
  writeFileSync(templatePath, JSON.stringify(template));
  const images = page(
    image('sha256:v1', { imageTags: ['v1'], imagePushedAt: '2024-01-01T00:00:00Z' }),
    image('sha256:v2', { imageTags: ['v2'], imagePushedAt: '2024-02-01T00:00:00Z' }),
    image('sha256:v3', { imageTags: ['v3'], imagePushedAt: '2024-03-01T00:00:00Z' }),
  );

  test('previews the policy of a synthesized repository, protected tags included', () => {
    const { code, out } = cli(['lifecycle-preview', '--template', templatePath, '--repository', logicalId, ...NOW, '--json', 'i.json'], { 'i.json': images });
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.policy).toBe(`${templatePath} (${logicalId})`);
    expect(report.results.map((r: any) => [r.digest, r.rulePriority])).toEqual([['sha256:v2', 3]]);
  });

  test('an unknown logical id lists the repositories of the template', () => {
    const { code, err } = cli(['lifecycle-preview', '--template', templatePath, '--repository', 'Nope', 'i.json'], { 'i.json': images });
    expect(code).toBe(2);
    expect(err).toBe(`lifecycle-preview: ${templatePath}: no AWS::ECR::Repository with logical id "Nope"; the ECR repositories are ${logicalId}\n`);
  });

  test('a policy built with CloudFormation functions cannot be previewed from the template', () => {
    const withJoin = { Resources: { Repo: { Type: 'AWS::ECR::Repository', Properties: { LifecyclePolicy: { LifecyclePolicyText: { 'Fn::Join': ['', ['{']] } } } } } };
    const { code, err } = cli(['lifecycle-preview', '--template', 't.json', '--repository', 'Repo', 'i.json'], { 't.json': JSON.stringify(withJoin), 'i.json': images });
    expect(code).toBe(2);
    expect(err).toMatch(/^lifecycle-preview: t\.json: the lifecycle policy of Repo is not a literal string \(it uses CloudFormation functions\)/);
  });

  test('a repository creation template is read too', () => {
    const creation = { Resources: { Template: { Type: 'AWS::ECR::RepositoryCreationTemplate', Properties: { LifecyclePolicy: untaggedPolicy } } } };
    const { code } = cli(['lifecycle-preview', '--template', 't.json', '--repository', 'Template', 'i.json'], { 't.json': JSON.stringify(creation), 'i.json': images });
    expect(code).toBe(0);
  });
});

describe('malformed input: exit code 2, one line, no stack trace', () => {
  const files: Record<string, string> = {
    'p.json': untaggedPolicy,
    'i.json': page(image('sha256:a')),
    'bad-policy.json': JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] }),
    'two-errors.json': JSON.stringify({
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
        { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } },
        { rulePriority: 3, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } },
      ],
    }),
    'not-json': '{"imageDetails": [',
    'list.json': '[]',
    'no-digest.json': page({ imagePushedAt: '2025-01-01T00:00:00Z' }),
    'no-push.json': page({ imageDigest: 'sha256:a' }),
    'bad-time.json': page(image('sha256:a', { imagePushedAt: 'yesterday' })),
    'bad-status.json': page(image('sha256:a', { imageStatus: 'DELETED' })),
    'bad-tags.json': page(image('sha256:a', { imageTags: 'v1' })),
    'bad-size.json': page(image('sha256:a', { imageSizeInBytes: '12' })),
    'same-tag.json': page(image('sha256:a', { imageTags: ['v1'] }), image('sha256:b', { imageTags: ['v1'] })),
    'other-repo.json': page(image('sha256:b', { repositoryName: 'other' })),
    'template.yaml': 'Resources:\n  Repo: {}\n',
    'no-policy.json': JSON.stringify({ Resources: { Repo: { Type: 'AWS::ECR::Repository', Properties: {} } } }),
  };

  test.each<[string, string[], RegExp]>([
    ['no command', [], /^lifecycle-preview: no command; the command is lifecycle-preview \(see --help\)$/],
    ['an unknown command', ['preview'], /^lifecycle-preview: unknown command "preview"/],
    ['an unknown option', ['lifecycle-preview', '--policy', 'p.json', '--verbose', 'i.json'], /^lifecycle-preview: unknown option --verbose \(see --help\)$/],
    ['an option without its value', ['lifecycle-preview', 'i.json', '--policy'], /^lifecycle-preview: --policy needs a value$/],
    ['an option whose value looks like an option', ['lifecycle-preview', '--policy', '--json', 'i.json'], /^lifecycle-preview: --policy needs a value$/],
    ['a value for a flag', ['lifecycle-preview', '--policy', 'p.json', '--json=yes', 'i.json'], /^lifecycle-preview: --json takes no value$/],
    ['a repeated --policy', ['lifecycle-preview', '--policy', 'p.json', '--policy', 'bad-policy.json', 'i.json'], /^lifecycle-preview: --policy given 2 times; give it once$/],
    ['a repeated --policy=', ['lifecycle-preview', '--policy=p.json', 'i.json', '--policy=p.json'], /^lifecycle-preview: --policy given 2 times; give it once$/],
    ['a repeated --now', ['lifecycle-preview', '--policy', 'p.json', '--now', '2025-01-01', '--now', '2025-02-01', 'i.json'], /^lifecycle-preview: --now given 2 times; give it once$/],
    ['an option after --', ['lifecycle-preview', '--policy', 'p.json', '--', '--json'], /^lifecycle-preview: --json: cannot read the file \(ENOENT\)$/],
    ['no policy', ['lifecycle-preview', 'i.json'], /^lifecycle-preview: give either --policy FILE or --template FILE --repository ID$/],
    ['two policies', ['lifecycle-preview', '--policy', 'p.json', '--template', 't.json', 'i.json'], /^lifecycle-preview: give either --policy FILE or --template FILE --repository ID$/],
    ['a template without a repository', ['lifecycle-preview', '--template', 't.json', 'i.json'], /^lifecycle-preview: --template needs --repository/],
    ['a repository with --policy', ['lifecycle-preview', '--policy', 'p.json', '--repository', 'R', 'i.json'], /^lifecycle-preview: --repository goes with --template/],
    ['no images', ['lifecycle-preview', '--policy', 'p.json'], /^lifecycle-preview: give at least one file of aws ecr describe-images output$/],
    ['a missing file', ['lifecycle-preview', '--policy', 'missing.json', 'i.json'], /^lifecycle-preview: missing\.json: cannot read the file \(ENOENT\)$/],
    ['a bad --now', ['lifecycle-preview', '--policy', 'p.json', '--now', 'tomorrow', 'i.json'], /^lifecycle-preview: --now: time "tomorrow" is not a time \(ISO 8601, or epoch seconds\)$/],
    ['policy text that is not JSON', ['lifecycle-preview', '--policy', 'not-json', 'i.json'], /^lifecycle-preview: not-json: not JSON \(.*\); expected lifecycle policy text$/],
    ['an invalid rule', ['lifecycle-preview', '--policy', 'bad-policy.json', 'i.json'],
      /^lifecycle-preview: bad-policy\.json: rules\[0\] \(rulePriority 1\): invalid tagStatus "tagged": tagged rules need a tagPatternList or a tagPrefixList$/],
    ['several invalid rules', ['lifecycle-preview', '--policy', 'two-errors.json', 'i.json'],
      /^lifecycle-preview: two-errors\.json: invalid tagStatus "untagged": only one .*; invalid tagStatus "untagged": only one .*$/],
    ['images that are not JSON', ['lifecycle-preview', '--policy', 'p.json', 'not-json'], /^lifecycle-preview: not-json: not JSON \(.*\); expected the output of aws ecr describe-images --output json$/],
    ['images without imageDetails', ['lifecycle-preview', '--policy', 'p.json', 'list.json'], /^lifecycle-preview: list\.json: no "imageDetails" list/],
    ['an image without a digest', ['lifecycle-preview', '--policy', 'p.json', 'no-digest.json'], /^lifecycle-preview: no-digest\.json: imageDetails\[0\]: no imageDigest$/],
    ['an image without a push time', ['lifecycle-preview', '--policy', 'p.json', 'no-push.json'], /^lifecycle-preview: no-push\.json: imageDetails\[0\]: no imagePushedAt$/],
    ['an unreadable time', ['lifecycle-preview', '--policy', 'p.json', 'bad-time.json'], /^lifecycle-preview: bad-time\.json: imageDetails\[0\]: imagePushedAt "yesterday" is not a time/],
    ['an unknown image status', ['lifecycle-preview', '--policy', 'p.json', 'bad-status.json'], /^lifecycle-preview: bad-status\.json: imageDetails\[0\]: unknown imageStatus "DELETED"/],
    ['tags that are not a list', ['lifecycle-preview', '--policy', 'p.json', 'bad-tags.json'], /^lifecycle-preview: bad-tags\.json: imageDetails\[0\]: imageTags must be a list of tags$/],
    ['a size that is not a number', ['lifecycle-preview', '--policy', 'p.json', 'bad-size.json'], /^lifecycle-preview: bad-size\.json: imageDetails\[0\]: imageSizeInBytes must be a number$/],
    ['the same page twice', ['lifecycle-preview', '--policy', 'p.json', 'i.json', 'i.json'], /^lifecycle-preview: i\.json: imageDetails\[0\]: image sha256:a also appears in i\.json: imageDetails\[0\]; give each page/],
    ['one tag on two images', ['lifecycle-preview', '--policy', 'p.json', 'same-tag.json'], /^lifecycle-preview: LifecyclePolicy\.evaluate: invalid images "v1": a tag names at most one image/],
    ['images of two repositories', ['lifecycle-preview', '--policy', 'p.json', 'i.json', 'other-repo.json'], /^lifecycle-preview: the images come from several repositories \(other, repo\)/],
    ['a YAML template', ['lifecycle-preview', '--template', 'template.yaml', '--repository', 'Repo', 'i.json'], /^lifecycle-preview: template\.yaml: not JSON .*; expected a synthesized CloudFormation template \(JSON\)$/],
    ['a repository without a policy', ['lifecycle-preview', '--template', 'no-policy.json', '--repository', 'Repo', 'i.json'], /^lifecycle-preview: no-policy\.json: Repo has no lifecycle policy$/],
  ])('%s', (_name, args, expected) => {
    const { code, out, err } = cli(args, files);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.endsWith('\n')).toBe(true);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err.trimEnd()).toMatch(expected);
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('-- ends the options: the files after it are images, even when they start with a dash', () => {
    const withDash = { ...files, '-page.json': files['i.json'] };
    const viaDash = cli(['lifecycle-preview', '--policy', 'p.json', '--json', '--', '-page.json'], withDash);
    const plain = cli(['lifecycle-preview', '--policy', 'p.json', '--json', 'i.json'], withDash);
    expect(viaDash.err).toBe('');
    expect(viaDash.code).toBe(0);
    expect(viaDash.out).toBe(plain.out);
  });

  test('--name=value and --images FILE work like the positional form', () => {
    const inline = cli(['lifecycle-preview', '--policy=p.json', '--json', '--images', 'i.json'], files);
    const plain = cli(['lifecycle-preview', '--policy', 'p.json', '--json', 'i.json'], files);
    expect(inline.code).toBe(0);
    expect(inline.out).toBe(plain.out);
  });

  test('--help prints the usage and exits 0', () => {
    for (const args of [['--help'], ['lifecycle-preview', '--help'], ['lifecycle-preview', '-h']]) {
      const { code, out } = cli(args);
      expect(code).toBe(0);
      expect(out).toMatch(/^Usage: cdk-ecr-blueprints lifecycle-preview/);
    }
  });

  test('an unexpected failure is one line with exit code 1', () => {
    const code = run(['lifecycle-preview', '--policy', 'p.json', 'i.json'], {
      out: () => { throw new Error('stdout closed\n    at somewhere'); },
      err: text => expect(text).toBe('lifecycle-preview: unexpected error: stdout closed; at somewhere'),
      readFile: path => files[path],
      now: () => FIXTURE_NOW,
    });
    expect(code).toBe(1);
  });
});

describe('the bin entry point', () => {
  const main = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  const exec = (args: string[]) => spawnSync(process.execPath, [require.resolve('tsx/cli'), main, ...args], { encoding: 'utf8' });

  test('writes the report to stdout and exits 0', () => {
    const result = exec(['lifecycle-preview', '--policy', POLICY, ...NOW, ...PAGES]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Expire:  217 images');
    expect(result.stderr).toBe('');
  });

  test('reports malformed input on stderr as one line with exit code 2', () => {
    const result = exec(['lifecycle-preview', '--policy', POLICY, join(FIXTURES, 'generate-fixture.ts')]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^lifecycle-preview: .*generate-fixture\.ts: not JSON \(.*\); expected the output of aws ecr describe-images --output json\n$/);
  });
});
