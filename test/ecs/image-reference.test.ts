import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DIGEST, ENV, FakeCacheRule, lifecycleRules, managedPolicyStatements, stack } from './helpers';
import { ContainerRegistry, ImageReference, SecureRepository, TaggedImageTaskDefinition, UpstreamRegistry } from '../../src';

const PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

describe('ImageReference.fromRepository', () => {
  test('a tag renders <registry>/<repository>:<tag> and exposes the tag; in its own stack the registry is the stack\'s account and region', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo', { repositoryName: 'team/api' });
    const image = ImageReference.fromRepository(repo, { tag: 'v1.4.2' });
    expect(image.tag).toBe('v1.4.2');
    expect(image.digest).toBeUndefined();
    // The repository is made in this stack, so its ARN has the stack's account and region: no need
    // to read them out of the ARN, as aws-cdk-lib does for repositories that may be imported.
    expect(s.resolve(image.imageUri)).toEqual({
      'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: 'Repo02AC86CF' }, ':v1.4.2']],
    });
    const agnostic = new Stack(new App(), 'Agnostic');
    const inAgnostic = ImageReference.fromRepository(new SecureRepository(agnostic, 'Repo'), { digest: `sha256:${'a'.repeat(64)}`, allowUnprotectedDigest: true });
    expect(agnostic.resolve(inAgnostic.imageUri)).toEqual({
      'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/',
        { Ref: 'Repo02AC86CF' }, `@sha256:${'a'.repeat(64)}`]],
    });
    expect(s.resolve(image.repositoryArn)).toEqual({ 'Fn::GetAtt': ['Repo02AC86CF', 'Arn'] });
  });

  test('a digest renders <registry>/<repository>@<digest>', () => {
    const s = stack();
    const repo = ecr.Repository.fromRepositoryName(s, 'Imported', 'team/api');
    const image = ImageReference.fromRepository(repo, { digest: DIGEST });
    expect(image.digest).toBe(DIGEST);
    expect(image.tag).toBeUndefined();
    expect(s.resolve(image.imageUri)).toEqual({
      'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, `/team/api@${DIGEST}`]],
    });
  });

  describe('rejects', () => {
    const repo = () => ecr.Repository.fromRepositoryName(stack(), 'Imported', 'team/api');

    test('neither tag nor digest', () => {
      expect(() => ImageReference.fromRepository(repo(), {}))
        .toThrow('Test/Imported: invalid image reference {}: give a tag, a digest, or both');
    });

    test.each([
      ['starts with a dot', '.hidden'],
      ['starts with a dash', '-rc1'],
      ['has a space', 'v1 beta'],
      ['has a colon', 'v1:2'],
      ['is empty', ''],
      ['is 129 characters long', 'a'.repeat(129)],
    ])('a tag that %s', (_, tag) => {
      expect(() => ImageReference.fromRepository(repo(), { tag }))
        .toThrow(`Test/Imported: invalid tag ${JSON.stringify(tag)}: image tags are 1-128 characters`);
    });

    test.each([
      ['is too short', 'sha256:abc'],
      ['uses another algorithm', `sha512:${'a'.repeat(64)}`],
      ['has uppercase hexadecimal', `sha256:${'A'.repeat(64)}`],
      ['has no algorithm', 'a'.repeat(64)],
    ])('a digest that %s', (_, digest) => {
      expect(() => ImageReference.fromRepository(repo(), { digest }))
        .toThrow(`Test/Imported: invalid digest ${JSON.stringify(digest)}: digests are "sha256:" followed by 64 lowercase hexadecimal characters`);
    });
  });

  test('a 128-character tag is accepted', () => {
    const repo = ecr.Repository.fromRepositoryName(stack(), 'Imported', 'team/api');
    expect(ImageReference.fromRepository(repo, { tag: `v${'1'.repeat(127)}` }).tag).toHaveLength(128);
  });
});

describe('mutable tags', () => {
  const PUSHED_LAST = /the task would run whatever image was pushed last/;

  test('a SecureRepository mutable exclusion is rejected with the path, the tag and the reason', () => {
    const repo = new SecureRepository(stack(), 'Repo', { mutableTags: ['latest', 'dev-*'] });
    expect(() => ImageReference.fromRepository(repo, { tag: 'latest' })).toThrow(
      'Test/Repo: invalid tag "latest": the repository lets this tag move to another image, so the task would run ' +
      'whatever image was pushed last under it; use an immutable tag or a digest, or set allowMutableTag: true');
    expect(() => ImageReference.fromRepository(repo, { tag: 'dev-42' })).toThrow(PUSHED_LAST);
    expect(ImageReference.fromRepository(repo, { tag: 'v1.0.0' }).tag).toBe('v1.0.0');
  });

  test('every tag of a mutable SecureRepository is rejected unless an immutable pattern matches', () => {
    const repo = new SecureRepository(stack(), 'Repo', { immutableTags: false, immutableTagPatterns: ['release-*'] });
    expect(() => ImageReference.fromRepository(repo, { tag: 'v1' })).toThrow(PUSHED_LAST);
    expect(ImageReference.fromRepository(repo, { tag: 'release-1' }).tag).toBe('release-1');
  });

  test('latest in an immutable SecureRepository cannot move, so it is accepted', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    expect(ImageReference.fromRepository(repo, { tag: 'latest' }).tag).toBe('latest');
  });

  test('allowMutableTag opts in', () => {
    const repo = new SecureRepository(stack(), 'Repo', { mutableTags: ['latest'] });
    expect(ImageReference.fromRepository(repo, { tag: 'latest', allowMutableTag: true }).tag).toBe('latest');
  });

  test('an ecr.Repository with aws-cdk-lib defaults is MUTABLE: every tag is rejected', () => {
    const repo = new ecr.Repository(stack(), 'Plain');
    expect(() => ImageReference.fromRepository(repo, { tag: 'v1' })).toThrow(/^Test\/Plain: invalid tag "v1": the repository lets this tag move/);
    expect(ImageReference.fromRepository(repo, { tag: 'v1', allowMutableTag: true }).tag).toBe('v1');
    expect(ImageReference.fromRepository(repo, { digest: DIGEST }).digest).toBe(DIGEST);
  });

  test('an ecr.Repository with IMMUTABLE tags accepts any tag', () => {
    const repo = new ecr.Repository(stack(), 'Plain', { imageTagMutability: ecr.TagMutability.IMMUTABLE });
    expect(ImageReference.fromRepository(repo, { tag: 'latest' }).tag).toBe('latest');
  });

  test('an ecr.Repository follows its exclusion filters', () => {
    const s = stack();
    const immutable = new ecr.Repository(s, 'Immutable', {
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [ecr.ImageTagMutabilityExclusionFilter.wildcard('dev-*')],
    });
    expect(() => ImageReference.fromRepository(immutable, { tag: 'dev-1' })).toThrow(PUSHED_LAST);
    expect(ImageReference.fromRepository(immutable, { tag: 'v1' }).tag).toBe('v1');

    const mutable = new ecr.Repository(s, 'Mutable', {
      imageTagMutability: ecr.TagMutability.MUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [ecr.ImageTagMutabilityExclusionFilter.wildcard('v*')],
    });
    expect(ImageReference.fromRepository(mutable, { tag: 'v1' }).tag).toBe('v1');
    expect(() => ImageReference.fromRepository(mutable, { tag: 'nightly' })).toThrow(PUSHED_LAST);
  });

  test('an imported repository (settings unknown) rejects latest only', () => {
    const repo = ecr.Repository.fromRepositoryName(stack(), 'Imported', 'team/api');
    expect(() => ImageReference.fromRepository(repo, { tag: 'latest' })).toThrow(
      'Test/Imported: invalid tag "latest": latest is the tag every push moves, so the task would run whatever image ' +
      'was pushed last; use an immutable tag or a digest, or set allowMutableTag: true');
    expect(ImageReference.fromRepository(repo, { tag: 'latest', allowMutableTag: true }).tag).toBe('latest');
    expect(ImageReference.fromRepository(repo, { tag: 'v1' }).tag).toBe('v1');
  });

  test('a tag held in a token is not rejected, and a warning says it is neither checked nor protected', () => {
    const s = stack();
    const tag = new CfnParameter(s, 'Tag').valueAsString;
    const repo = new SecureRepository(s, 'Repo', { mutableTags: ['latest'] });
    const task = new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { tag }) });
    Annotations.fromStack(s).hasWarning('/Test/Task', Match.stringLikeRegexp('only known at deploy time.*neither checked for mutability nor protected'));
    expect(lifecycleRules(Template.fromStack(s)).map(r => r.description)).not.toContainEqual(expect.stringMatching(/^Protect/));
    expect(s.resolve(task.imageUri)['Fn::Join'][1]).toContainEqual({ Ref: 'Tag' });
  });
});

describe('tag protection', () => {
  test('binding to a task definition protects the tag, with the task definition path as the reason', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1.4.2' }) });
    expect(repo.lifecyclePolicy.protectedTags).toEqual(['v1.4.2']);
    expect(lifecycleRules(Template.fromStack(s))[0]).toEqual({
      rulePriority: 1,
      description: 'Protect tag v1.4.2 (Test/Task): selecting it here stops lower-priority rules; this rule never fires',
      selection: { tagStatus: 'tagged', tagPatternList: ['v1.4.2'], countType: 'imageCountMoreThan', countNumber: 1000 },
      action: { type: 'expire' },
    });
  });

  test('asking for the image URI protects the tag, before any task definition uses it (whoever asks may deploy it)', () => {
    const repo = new SecureRepository(stack(), 'Repo');
    ImageReference.fromRepository(repo, { tag: 'v1' });
    expect(repo.lifecyclePolicy.protectedTags).toEqual(['v1']);
  });

  test('across stacks: the repository stack renders the protection rule first', () => {
    const app = new App();
    const registry = stack(app, 'Registry');
    const service = stack(app, 'Service');
    const repo = new SecureRepository(registry, 'Repo', { repositoryName: 'team/api' });
    new TaggedImageTaskDefinition(service, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v2.0.0' }) });

    const rules = lifecycleRules(Template.fromStack(registry));
    expect(rules[0]).toMatchObject({
      rulePriority: 1,
      description: 'Protect tag v2.0.0 (Service/Task): selecting it here stops lower-priority rules; this rule never fires',
      selection: { tagStatus: 'tagged', tagPatternList: ['v2.0.0'] },
    });
    expect(rules.map(r => r.rulePriority)).toEqual([1, 2, 3]);
    // The repository is named in a known environment: the task definition holds its URI, no export.
    Template.fromStack(service).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/team/api:v2.0.0' })],
    });
  });

  test('toContainerImage protects the tag for any ECS task definition and grants the pull to its execution role', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    const task = new ecs.FargateTaskDefinition(s, 'Plain');
    task.addContainer('App', { image: ImageReference.fromRepository(repo, { tag: 'v3' }).toContainerImage() });
    expect(lifecycleRules(Template.fromStack(s))[0].description).toMatch(/^Protect tag v3 \(Test\/Plain\)/);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: PULL, Effect: 'Allow', Resource: { 'Fn::GetAtt': ['Repo02AC86CF', 'Arn'] } },
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^PlainExecutionRole') }],
    });
  });

  test('a digest alone in a SecureRepository with lifecycle rules fails synth, naming the task definition and the fix', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { digest: DIGEST }) });
    expect(() => Template.fromStack(s)).toThrow(
      `Test/Repo: invalid deployed image digest ${JSON.stringify(DIGEST)}: Test/Task deploys this image by digest alone and lifecycle rules ` +
      'select images by tag, so the rules of this repository can expire it; give the tag that names it');
  });

  test('a digest alone with allowUnprotectedDigest synthesizes (the explicit opt-out)', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { digest: DIGEST, allowUnprotectedDigest: true }) });
    expect(() => Template.fromStack(s)).not.toThrow();
  });

  test('a tag and a digest: the URI pins the digest, and the rule that protects the tag names the digest', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    const image = ImageReference.fromRepository(repo, { tag: 'v1.4.2', digest: DIGEST });
    new TaggedImageTaskDefinition(s, 'Task', { image });
    expect(s.resolve(image.imageUri)['Fn::Join'][1].slice(-1)[0]).toBe(`@${DIGEST}`);
    expect(lifecycleRules(Template.fromStack(s))[0]).toMatchObject({
      rulePriority: 1,
      description: expect.stringContaining(`Protect tag v1.4.2 (Test/Task, digest ${DIGEST})`),
      selection: { tagStatus: 'tagged', tagPatternList: ['v1.4.2'] },
    });
  });

  test('a digest of a SecureRepository without lifecycle rules gets no warning', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo', { lifecycleRules: [] });
    new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromRepository(repo, { digest: DIGEST }) });
    Annotations.fromStack(s).hasNoWarning('/Test/Task', Match.anyValue());
  });
});

describe('ImageReference.fromPullThroughCache', () => {
  test('with a real PullThroughCacheRule: Docker Hub official images are named as the cache names them', () => {
    const s = stack();
    const registry = new ContainerRegistry(s, 'Registry');
    const secret = new secretsmanager.Secret(s, 'DockerHubToken', { secretName: 'ecr-pullthroughcache/docker-hub' });
    const rule = registry.addPullThroughCache('docker-hub', UpstreamRegistry.dockerHub(secret));
    const image = ImageReference.fromPullThroughCache(rule, 'nginx', { digest: DIGEST, allowUnprotectedDigest: true });
    expect(image.repositoryName).toBe(rule.repositoryNameFor('nginx'));
    expect(image.repositoryName).toBe('docker-hub/library/nginx');
    new TaggedImageTaskDefinition(s, 'Task', { image });
    const actions = managedPolicyStatements(Template.fromStack(s), 'TaskExecutionRolePolicy')
      .flatMap((st: any) => [].concat(st.Action));
    expect(actions).toEqual(expect.arrayContaining(['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository', 'ecr:BatchGetImage']));
  });

  test('a digest renders <account>.dkr.ecr.<region>.<suffix>/<prefix>/<upstream>@<digest>', () => {
    const s = stack();
    const rule = new FakeCacheRule(s, 'DockerHub', 'docker-hub');
    const image = ImageReference.fromPullThroughCache(rule, 'library/nginx', { digest: DIGEST });
    expect(image.repositoryName).toBe('docker-hub/library/nginx');
    expect(s.resolve(image.imageUri)).toEqual({
      'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, `/docker-hub/library/nginx@${DIGEST}`]],
    });
    expect(s.resolve(image.repositoryArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/docker-hub/library/nginx']],
    });
  });

  test('the ROOT prefix means no prefix', () => {
    const s = stack();
    const image = ImageReference.fromPullThroughCache(new FakeCacheRule(s, 'Ecr', 'ROOT'), 'team/api', { digest: DIGEST });
    expect(image.repositoryName).toBe('team/api');
  });

  test('a tag is rejected: the upstream publisher can move it', () => {
    const s = stack();
    const rule = new FakeCacheRule(s, 'Quay', 'quay');
    expect(() => ImageReference.fromPullThroughCache(rule, 'prometheus/prometheus', { tag: 'v2.53.0' })).toThrow(
      'Test/Quay: invalid tag "v2.53.0": upstream registries let publishers move tags and the cache follows them, so the ' +
      'task would run whatever image was pushed last upstream; use a digest, or set allowMutableTag: true');
    const image = ImageReference.fromPullThroughCache(rule, 'prometheus/prometheus', { tag: 'v2.53.0', allowMutableTag: true });
    expect(s.resolve(image.imageUri)['Fn::Join'][1][2]).toBe('/quay/prometheus/prometheus:v2.53.0');
  });

  test.each([
    ['uppercase letters', 'Library/Nginx'],
    ['a trailing slash', 'library/'],
    ['a single character', 'a'],
  ])('rejects an upstream repository with %s', (_, upstream) => {
    const rule = new FakeCacheRule(stack(), 'Rule', 'ecr-public');
    expect(() => ImageReference.fromPullThroughCache(rule, upstream, { digest: DIGEST }))
      .toThrow(`Test/Rule: invalid upstreamRepository ${JSON.stringify(upstream)}`);
  });

  test('rejects a cached repository name longer than 256 characters', () => {
    const rule = new FakeCacheRule(stack(), 'Rule', 'ecr-public');
    expect(() => ImageReference.fromPullThroughCache(rule, `a/${'b'.repeat(250)}`, { digest: DIGEST }))
      .toThrow(/Test\/Rule: invalid cached repository name "ecr-public\/a\/b+": must be 2-256 characters long \(got 263\)/);
  });

  test('rejects neither tag nor digest', () => {
    const rule = new FakeCacheRule(stack(), 'Rule', 'ecr-public');
    expect(() => ImageReference.fromPullThroughCache(rule, 'docker/library/nginx', {}))
      .toThrow('give exactly one of tag or digest');
  });

  test('the execution role gets the pull, import and create actions on that one cached repository, and nothing else', () => {
    const s = stack();
    const rule = new FakeCacheRule(s, 'Rule', 'ecr-public');
    new TaggedImageTaskDefinition(s, 'Task', {
      image: ImageReference.fromPullThroughCache(rule, 'nginx/nginx', { digest: DIGEST }),
    });
    const t = Template.fromStack(s);
    expect(managedPolicyStatements(t, 'TaskExecutionRolePolicy')).toEqual([
      {
        Action: [...PULL, 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/ecr-public/nginx/nginx']] },
      },
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TaskLogGroup/), 'Arn'] },
      },
    ]);
    expect(managedPolicyStatements(t, 'RegistryAuthorizationPolicy')).toEqual([
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
    ]);
  });

  test('the task definition is deployed after the cache rule', () => {
    const s = stack();
    const rule = new FakeCacheRule(s, 'Rule', 'ecr-public');
    new TaggedImageTaskDefinition(s, 'Task', { image: ImageReference.fromPullThroughCache(rule, 'nginx/nginx', { digest: DIGEST }) });
    Template.fromStack(s).hasResource('AWS::ECS::TaskDefinition', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^Rule')]) });
  });

  test('grantPull on its own grants the same statements to any principal', () => {
    const s = stack();
    const role = new iam.Role(s, 'Builder', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    const image = ImageReference.fromPullThroughCache(new FakeCacheRule(s, 'Rule', 'ecr-public'), 'nginx/nginx', { digest: DIGEST });
    image.grantPull(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: [...PULL, 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:111111111111:repository/ecr-public/nginx/nginx']] },
          },
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });
});

describe('ImageReference grants for repositories', () => {
  test('grantPull scopes the pull to the repository ARN; GetAuthorizationToken is the only *', () => {
    const s = stack();
    const repo = new SecureRepository(s, 'Repo');
    const role = new iam.Role(s, 'Reader', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    ImageReference.fromRepository(repo, { tag: 'v1' }).grantPull(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: PULL, Effect: 'Allow', Resource: { 'Fn::GetAtt': ['Repo02AC86CF', 'Arn'] } },
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });

  test('a repository in another account is granted through its repository policy too', () => {
    const app = new App();
    const registry = new Stack(app, 'Registry', { env: { account: '222222222222', region: ENV.region } });
    const service = stack(app, 'Service');
    const repo = new SecureRepository(registry, 'Repo', { repositoryName: 'team/api' });
    new TaggedImageTaskDefinition(service, 'Task', { image: ImageReference.fromRepository(repo, { tag: 'v1' }) });
    Template.fromStack(registry).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: [Match.objectLike({
          Action: PULL,
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
        })],
      },
    });
  });
});
