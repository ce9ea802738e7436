import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as signer from 'aws-cdk-lib/aws-signer';
import { envStack } from './helpers';
import { ContainerRegistry, LifecyclePolicy, LifecycleRule, NotationSigningProfile, SigningConfiguration } from '../../src';

const PROFILE_ARN = 'arn:aws:signer:us-east-1:111111111111:/signing-profiles/release_signing';

function setup() {
  const stack = envStack();
  const registry = new ContainerRegistry(stack, 'Registry');
  const profile = new NotationSigningProfile(stack, 'Profile');
  return { stack, registry, profile };
}

function importedProfile(stack: Stack, arn = PROFILE_ARN): signer.ISigningProfile {
  return {
    signingProfileArn: arn,
    signingProfileName: 'release_signing',
    signingProfileVersion: 'v1',
    signingProfileVersionArn: `${arn}/v1`,
    node: stack.node,
    stack,
    env: stack.env,
    applyRemovalPolicy: () => undefined,
    signingProfileRef: { signingProfileArn: arn },
  } as any;
}

describe('NotationSigningProfile', () => {
  test('the Notation OCI platform and a one-year validity by default', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::Signer::SigningProfile', {
      PlatformId: 'Notation-OCI-SHA384-ECDSA',
      SignatureValidityPeriod: { Type: 'DAYS', Value: 365 },
    });
  });

  test('validity: 4106 days (135 months) is accepted, one more day is not, nor zero', () => {
    const stack = envStack();
    new NotationSigningProfile(stack, 'Longest', { signatureValidity: Duration.days(4106) });
    expect(() => new NotationSigningProfile(stack, 'TooLong', { signatureValidity: Duration.days(4107) }))
      .toThrow('Test/TooLong: invalid signatureValidity "4107 days": signature validity is a whole number of days between 1 and 4106');
    expect(() => new NotationSigningProfile(stack, 'Zero', { signatureValidity: Duration.hours(12) }))
      .toThrow('Test/Zero: invalid signatureValidity "0.5 days": signature validity is a whole number of days');
  });

  test('profile name: 2-64 letters, digits and _, rendered whatever the feature flag', () => {
    const stack = envStack();
    new NotationSigningProfile(stack, 'Ok', { signingProfileName: 'release_1' });
    Template.fromStack(stack).hasResourceProperties('AWS::Signer::SigningProfile', { ProfileName: 'release_1' });
    expect(() => new NotationSigningProfile(stack, 'Bad', { signingProfileName: 'release-1' }))
      .toThrow('Test/Bad: invalid signingProfileName "release-1": signing profile names are 2-64 letters, digits and _');
    expect(() => new NotationSigningProfile(stack, 'Long', { signingProfileName: 'a'.repeat(65) })).toThrow(/must be 2-64 characters long/);
  });
});

describe('signing rules', () => {
  test('no signing configuration until a rule is added', () => {
    const { stack, registry } = setup();
    expect(registry.signingConfiguration).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::ECR::SigningConfiguration', 0);
  });

  test('rules render in order, with WILDCARD_MATCH filters, and rules added later are included', () => {
    const { stack, registry, profile } = setup();
    registry.addSigningRule(profile, { repositoryFilters: ['team-a/*', '*/prod'] });
    registry.addSigningRule(importedProfile(stack));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECR::SigningConfiguration', 1);
    t.hasResourceProperties('AWS::ECR::SigningConfiguration', {
      Rules: [
        {
          SigningProfileArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Profile'), 'Arn'] },
          RepositoryFilters: [{ Filter: 'team-a/*', FilterType: 'WILDCARD_MATCH' }, { Filter: '*/prod', FilterType: 'WILDCARD_MATCH' }],
        },
        { SigningProfileArn: PROFILE_ARN, RepositoryFilters: Match.absent() },
      ],
    });
    expect(registry.signingConfiguration!.node.path).toBe('Test/Registry/Signing');
  });

  test('at most 10 rules (API reference and user guide; the CloudFormation schema says 50)', () => {
    const { registry, profile } = setup();
    for (let i = 0; i < 10; i++) registry.addSigningRule(profile, { repositoryFilters: [`team-${i}/*`] });
    expect(registry.signingConfiguration!.ruleCount).toBe(10);
    expect(() => registry.addSigningRule(profile)).toThrow(
      'Test/Registry/Signing: invalid signing rules 11: ECR accepts at most 10 signing rules per registry');
  });

  test('filters: 1-100 of them, unique, 1-256 characters of repository-name segments with *', () => {
    const { registry, profile } = setup();
    registry.addSigningRule(profile, { repositoryFilters: Array.from({ length: 100 }, (_, i) => `r${i}`) });
    registry.addSigningRule(profile, { repositoryFilters: ['*prod*', 'a'.repeat(256)] });
    expect(() => registry.addSigningRule(profile, { repositoryFilters: [] })).toThrow(
      'Test/Registry/Signing: invalid repositoryFilters []: give 1-100 filters, or leave repositoryFilters out to sign every repository');
    expect(() => registry.addSigningRule(profile, { repositoryFilters: Array.from({ length: 101 }, (_, i) => `r${i}`) }))
      .toThrow(/invalid repositoryFilters .*must have 1-100 entries \(got 101\)/);
    expect(() => registry.addSigningRule(profile, { repositoryFilters: ['a', 'a'] })).toThrow(/entries must be unique/);
    expect(() => registry.addSigningRule(profile, { repositoryFilters: ['Team/*'] })).toThrow(
      /invalid repositoryFilter "Team\/\*": signing repository filters are 1-256 characters of lowercase/);
    expect(() => registry.addSigningRule(profile, { repositoryFilters: ['team//api'] })).toThrow(/invalid repositoryFilter/);
    expect(() => registry.addSigningRule(profile, { repositoryFilters: ['a'.repeat(257)] })).toThrow(/must be 1-256 characters long/);
  });

  test('a profile of another Signer platform is refused', () => {
    const { stack, registry } = setup();
    const lambdaProfile = new signer.SigningProfile(stack, 'Lambda', { platform: signer.Platform.AWS_LAMBDA_SHA384_ECDSA });
    expect(() => registry.addSigningRule(lambdaProfile)).toThrow(
      'Test/Registry/Signing: invalid signingProfile platform "AWSLambda-SHA384-ECDSA": ECR managed signing signs with the Notation-OCI-SHA384-ECDSA platform only');
    registry.addSigningRule(new signer.SigningProfile(stack, 'Notation', { platform: signer.Platform.NOTATION_OCI_SHA384_ECDSA }));
  });

  test('a profile of another region is refused, by ARN or by stack; another account is accepted', () => {
    const { stack, registry } = setup();
    expect(() => registry.addSigningRule(importedProfile(stack, 'arn:aws:signer:eu-west-1:111111111111:/signing-profiles/p1'))).toThrow(
      'Test/Registry/Signing: invalid signingProfile region "eu-west-1": ECR managed signing does not sign across regions: the profile must be in the registry\'s region (us-east-1)');
    const other = envStack(stack.node.root as App, 'Other', '111111111111', 'eu-west-1');
    expect(() => registry.addSigningRule(new NotationSigningProfile(other, 'Profile'))).toThrow(/invalid signingProfile region "eu-west-1"/);
    registry.addSigningRule(importedProfile(stack, 'arn:aws:signer:us-east-1:222222222222:/signing-profiles/central'));
  });

  test('a malformed profile ARN is refused', () => {
    const { stack, registry } = setup();
    expect(() => registry.addSigningRule(importedProfile(stack, 'arn:aws:signer:us-east-1:111111111111:signing-profiles/p'))).toThrow(
      /invalid signingProfileArn .*signing profile ARNs look like arn:<partition>:signer:<region>:<account>:\/signing-profiles\/<name>/);
  });

  test('an environment-agnostic registry cannot compare regions: a warning, not an error', () => {
    const app = new App();
    const agnostic = new Stack(app, 'Agnostic');
    const registry = new ContainerRegistry(agnostic, 'Registry');
    registry.addSigningRule(importedProfile(agnostic));
    Annotations.fromStack(agnostic).hasWarning('/Agnostic/Registry/Signing', Match.stringLikeRegexp('cannot be compared'));
  });

  test('signingProfilesFor: the profiles of the rules whose filters match the name', () => {
    const { stack, registry, profile } = setup();
    const central = importedProfile(stack);
    registry.addSigningRule(profile, { repositoryFilters: ['team-a/*'] });
    registry.addSigningRule(central);
    const signing = registry.signingConfiguration!;
    expect(signing.signingProfilesFor('team-a/api')).toEqual([profile, central]);
    expect(signing.signingProfilesFor('team-b/api')).toEqual([central]);
  });

  test('a second signing configuration of the same account and region fails at synth', () => {
    const app = new App();
    const one = envStack(app, 'One');
    new ContainerRegistry(one, 'Registry').addSigningRule(importedProfile(one));
    const two = envStack(app, 'Two');
    new SigningConfiguration(two, 'Signing', { rules: [{ signingProfile: importedProfile(two) }] });
    expect(() => app.synth()).toThrow(/Two\/Signing: invalid SigningConfiguration "Two\/Signing": the registry already has the signing configuration One\/Registry\/Signing/);
    const elsewhere = new App();
    new SigningConfiguration(envStack(elsewhere, 'A'), 'Signing', { rules: [{ signingProfile: importedProfile(envStack(elsewhere, 'P')) }] });
    new SigningConfiguration(envStack(elsewhere, 'B', '111111111111', 'eu-west-1'), 'Signing');
    expect(() => elsewhere.synth()).not.toThrow();
  });

  test('SigningConfiguration on its own takes rules in its props', () => {
    const stack = envStack();
    new SigningConfiguration(stack, 'Signing', { rules: [{ signingProfile: importedProfile(stack), repositoryFilters: ['x'] }] });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::SigningConfiguration', {
      Rules: [{ SigningProfileArn: PROFILE_ARN, RepositoryFilters: [{ Filter: 'x', FilterType: 'WILDCARD_MATCH' }] }],
    });
  });
});

describe('signing grants', () => {
  function policyOf(stack: Stack, role: iam.Role): any[] {
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }] } });
    return Object.values<any>(policies).flatMap(p => p.Properties.PolicyDocument.Statement);
  }

  test('grantPushSigned: push on the repository, the authorization token, SignPayload on the matching profiles only', () => {
    const { stack, registry, profile } = setup();
    registry.addSigningRule(profile, { repositoryFilters: ['team-a/*'] });
    registry.addSigningRule(importedProfile(stack), { repositoryFilters: ['team-b/*'] });
    const repository = registry.addRepository('team-a/api');
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    registry.signingConfiguration!.grantPushSigned(ci, repository);
    expect(policyOf(stack, ci)).toEqual([
      {
        Action: ['ecr:CompleteLayerUpload', 'ecr:UploadLayerPart', 'ecr:InitiateLayerUpload', 'ecr:BatchCheckLayerAvailability', 'ecr:PutImage'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [stack.getLogicalId(repository.node.defaultChild as ecr.CfnRepository), 'Arn'] },
      },
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
      { Action: 'signer:SignPayload', Effect: 'Allow', Resource: { 'Fn::GetAtt': [stack.getLogicalId(profile.node.defaultChild as signer.CfnSigningProfile), 'Arn'] } },
    ]);
  });

  test('a repository matched by two rules needs both profiles (ECR signs once per matching rule)', () => {
    const { stack, registry, profile } = setup();
    registry.addSigningRule(profile);
    registry.addSigningRule(importedProfile(stack), { repositoryFilters: ['*api'] });
    const repository = registry.addRepository('team-a/api');
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    registry.signingConfiguration!.grantPushSigned(ci, repository);
    const sign = policyOf(stack, ci).find(s => s.Action === 'signer:SignPayload');
    expect(sign.Resource).toEqual([{ 'Fn::GetAtt': [stack.getLogicalId(profile.node.defaultChild as signer.CfnSigningProfile), 'Arn'] }, PROFILE_ARN]);
  });

  test('granting a signed push to a repository no rule matches is an error', () => {
    const { stack, registry, profile } = setup();
    registry.addSigningRule(profile, { repositoryFilters: ['team-a/*'] });
    const repository = registry.addRepository('team-b/api');
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => registry.signingConfiguration!.grantPushSigned(ci, repository)).toThrow(
      'Test/Registry/Signing: invalid repository "team-b/api": no signing rule of the registry matches this repository, so its images are not signed');
  });

  test('grantVerifySignatures: pull, GetSigningProfile on the profile, GetRevocationStatus alone on *', () => {
    const { stack, registry, profile } = setup();
    registry.addSigningRule(profile, { repositoryFilters: ['team-a/*'] });
    const repository = registry.addRepository('team-a/api');
    const verifier = new iam.Role(stack, 'Verifier', { assumedBy: new iam.AccountRootPrincipal() });
    registry.signingConfiguration!.grantVerifySignatures(verifier, repository);
    expect(policyOf(stack, verifier)).toEqual([
      {
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [stack.getLogicalId(repository.node.defaultChild as ecr.CfnRepository), 'Arn'] },
      },
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
      { Action: 'signer:GetSigningProfile', Effect: 'Allow', Resource: { 'Fn::GetAtt': [stack.getLogicalId(profile.node.defaultChild as signer.CfnSigningProfile), 'Arn'] } },
      { Action: 'signer:GetRevocationStatus', Effect: 'Allow', Resource: '*' },
    ]);
  });
});

describe('signatures and the lifecycle policy', () => {
  // ECR user guide, "Sign images", considerations: signatures are reference artifacts of their image,
  // cleaned up by lifecycle policies within 24 hours of the deletion of the subject image.
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
  const images = [
    { digest: 'sha256:v1', tags: ['v1'], pushedAt: day(0) },
    { digest: 'sha256:v1-sig', pushedAt: day(0), subjectDigest: 'sha256:v1' },
    { digest: 'sha256:v2', tags: ['v2'], pushedAt: day(10) },
    { digest: 'sha256:v2-sig', pushedAt: day(10), subjectDigest: 'sha256:v2' },
    { digest: 'sha256:v3', tags: ['v3'], pushedAt: day(20) },
    { digest: 'sha256:v3-sig', pushedAt: day(20), subjectDigest: 'sha256:v3' },
  ];

  test('signatures are not counted by imageCountMoreThan and follow their subject when it expires', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepNewest(2, { tagPatterns: ['v*'] })] });
    const results = policy.evaluate(images, day(30));
    expect(results.map(r => [r.digest, r.action, r.rulePriority])).toEqual([
      ['sha256:v1', 'expire', 1],
      ['sha256:v1-sig', 'expire', 1],
    ]);
  });

  test('an untagged rule does not select signatures (they are untagged, but reference artifacts)', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(1)] });
    expect(policy.evaluate(images, day(30))).toEqual([]);
  });
});
