import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PublicRepository, PublicRepositoryProps } from '../../src';
import { stableTemplate } from '../util/snapshot';

const TAGS = { team: 'platform' };

function stack(region = 'us-east-1'): Stack {
  return new Stack(new App(), 'Test', { env: { account: '111111111111', region } });
}

function repo(props: Partial<PublicRepositoryProps> = {}, s = stack()): PublicRepository {
  return new PublicRepository(s, 'Public', { repositoryName: 'tools/cli', tags: TAGS, ...props });
}

describe('PublicRepository', () => {
  test('defaults: retained, tagged, no policy, the ARN of ecr-public', () => {
    const s = stack();
    const r = repo({}, s);
    const t = Template.fromStack(s);
    t.hasResource('AWS::ECR::PublicRepository', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        RepositoryName: 'tools/cli',
        Tags: [{ Key: 'team', Value: 'platform' }],
        RepositoryPolicyText: Match.absent(),
        RepositoryCatalogData: Match.absent(),
      },
    });
    expect(s.resolve(r.repositoryArn)).toEqual({ 'Fn::GetAtt': [s.getLogicalId(r.node.defaultChild as any), 'Arn'] });
    expect(r.repositoryUri).toBeUndefined();
    expect(() => r.repositoryUriForTag('1.0.0')).toThrow('Test/Public: invalid registryAlias undefined: the repository URI needs the registry alias');
  });

  test('the public URI with the registry alias', () => {
    const s = stack();
    const r = repo({ registryAlias: 'example-org' }, s);
    expect(s.resolve(r.repositoryUriForTag('1.0.0'))).toEqual({ 'Fn::Join': ['', ['public.ecr.aws/example-org/', { Ref: s.getLogicalId(r.node.defaultChild as any) }, ':1.0.0']] });
  });

  test('DESTROY when asked', () => {
    const s = stack();
    repo({ removalPolicy: RemovalPolicy.DESTROY }, s);
    Template.fromStack(s).hasResource('AWS::ECR::PublicRepository', { DeletionPolicy: 'Delete' });
  });

  test('us-east-1 only: another concrete region is an error, an agnostic stack a warning', () => {
    expect(() => repo({}, stack('eu-west-1'))).toThrow(
      'Test/Public: invalid region "eu-west-1": ECR Public repositories can only be created in us-east-1');
    const agnostic = new Stack(new App(), 'Agnostic');
    new PublicRepository(agnostic, 'Public', { tags: TAGS });
    Annotations.fromStack(agnostic).hasWarning('/Agnostic/Public', Match.stringLikeRegexp('exists only in us-east-1'));
  });

  test('repository name: 2-205 characters of lowercase segments', () => {
    repo({ repositoryName: 'ab' });
    repo({ repositoryName: 'a'.repeat(205) });
    expect(() => repo({ repositoryName: 'a' })).toThrow(/invalid repositoryName "a": must be 2-205 characters long/);
    expect(() => repo({ repositoryName: 'a'.repeat(206) })).toThrow(/must be 2-205 characters long \(got 206\)/);
    expect(() => repo({ repositoryName: 'Tools/CLI' })).toThrow(/invalid repositoryName "Tools\/CLI": public repository names are 2-205 characters/);
  });

  test('registry alias: 2-50 characters, starting with a letter', () => {
    repo({ registryAlias: 'a1' });
    expect(() => repo({ registryAlias: '1abc' })).toThrow(/invalid registryAlias "1abc": registry aliases are/);
    expect(() => repo({ registryAlias: 'a'.repeat(51) })).toThrow(/invalid registryAlias .*must be 2-50 characters long/);
  });

  test('catalog data renders with its limits: description 1024, about and usage 10,240 (the CloudFormation limit), lists of 50 entries of 50', () => {
    const s = stack();
    repo({
      catalogData: {
        description: 'd'.repeat(1024),
        aboutText: 'a'.repeat(10_240),
        usageText: 'u'.repeat(10_240),
        architectures: ['ARM 64', 'x86-64'],
        operatingSystems: ['Linux'],
      },
    }, s);
    Template.fromStack(s).hasResourceProperties('AWS::ECR::PublicRepository', {
      RepositoryCatalogData: {
        RepositoryDescription: 'd'.repeat(1024),
        AboutText: Match.anyValue(),
        UsageText: Match.anyValue(),
        Architectures: ['ARM 64', 'x86-64'],
        OperatingSystems: ['Linux'],
      },
    });
    expect(() => repo({ catalogData: { description: 'd'.repeat(1025) } })).toThrow(/invalid catalogData.description .*must be 0-1024 characters long \(got 1025\)/);
    expect(() => repo({ catalogData: { aboutText: 'a'.repeat(10_241) } })).toThrow(/invalid catalogData.aboutText .*\(got 10241\)/);
    expect(() => repo({ catalogData: { usageText: 'u'.repeat(10_241) } })).toThrow(/invalid catalogData.usageText .*\(got 10241\)/);
    expect(() => repo({ catalogData: { architectures: Array.from({ length: 51 }, (_, i) => `a${i}`) } })).toThrow(/invalid catalogData.architectures .*must have 0-50 entries \(got 51\)/);
    expect(() => repo({ catalogData: { operatingSystems: ['x'.repeat(51)] } })).toThrow(/invalid catalogData.operatingSystems .*must be 1-50 characters long/);
    expect(() => repo({ catalogData: { operatingSystems: ['Linux', 'Linux'] } })).toThrow(/entries must be unique/);
  });

  test('architectures the gallery does not show get a warning', () => {
    const s = stack();
    repo({ catalogData: { architectures: ['arm64'] } }, s);
    Annotations.fromStack(s).hasWarning('/Test/Public', Match.stringLikeRegexp('"arm64" is stored but the ECR Public Gallery only shows'));
  });

  test('tags: at least one, at most 50, keys 1-128 without aws:, values up to 256', () => {
    expect(() => repo({ tags: {} })).toThrow('Test/Public: invalid tags {}: public repositories need at least one tag (Security Hub ECR.4');
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    repo({ tags: fifty });
    expect(() => repo({ tags: { ...fifty, k50: 'v' } })).toThrow(/invalid tags "51 tags": at most 50 tags per resource/);
    expect(() => repo({ tags: { ['k'.repeat(129)]: 'v' } })).toThrow(/invalid tag key .*must be 1-128 characters long/);
    expect(() => repo({ tags: { 'aws:owner': 'v' } })).toThrow(/invalid tag key "aws:owner": the aws: prefix is reserved/);
    expect(() => repo({ tags: { k: 'v'.repeat(257) } })).toThrow(/invalid tag value .*must be 0-256 characters long/);
  });
});

describe('PublicRepository policy', () => {
  test('named principals and ecr-public: actions render in the repository policy', () => {
    const s = stack();
    const r = repo({}, s);
    r.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountPrincipal('222222222222')],
      actions: ['ecr-public:PutImage'],
    }));
    Template.fromStack(s).hasResourceProperties('AWS::ECR::PublicRepository', {
      RepositoryPolicyText: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ecr-public:PutImage', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } } }],
      },
    });
  });

  test('a * principal is refused, even bound to an organization', () => {
    const s = stack();
    const r = repo({}, s);
    r.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['ecr-public:PutImage'],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
    }));
    expect(() => Template.fromStack(s)).toThrow(/Test\/Public: invalid repository policy principal \{"AWS":"\*"\}: public repositories take named principals only/);
  });

  test('a statement without principals, or with an action of another service, is refused', () => {
    const s = stack();
    const r = repo({}, s);
    r.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr-public:PutImage'], resources: ['*'] }));
    r.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('222222222222')], actions: ['ecr:PutImage'] }));
    expect(() => Template.fromStack(s)).toThrow(/repository policy statements must name their principals[\s\S]*invalid repository policy action "ecr:PutImage": public repository policies only take ecr-public: actions/);
  });
});

describe('PublicRepository.grantPush', () => {
  test('a role: push actions on the repository ARN; the two authorization actions alone on * in their own policy', () => {
    const s = stack();
    const r = repo({}, s);
    const ci = new iam.Role(s, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    r.grantPush(ci);
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Action: ['ecr-public:BatchCheckLayerAvailability', 'ecr-public:CompleteLayerUpload', 'ecr-public:InitiateLayerUpload', 'ecr-public:PutImage', 'ecr-public:UploadLayerPart'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [s.getLogicalId(r.node.defaultChild as any), 'Arn'] },
        }],
      },
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [{ Action: ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'], Effect: 'Allow', Resource: '*' }] },
    });
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: [{ Ref: s.getLogicalId(r.authorizationPolicy!.node.defaultChild as any) }] });
    // Only that policy has a * resource.
    const stars = Object.values<any>(t.toJSON().Resources)
      .filter(res => /AWS::IAM::(Managed)?Policy/.test(res.Type))
      .filter(res => res.Properties.PolicyDocument.Statement.some((st: any) => st.Resource === '*'));
    expect(stars).toHaveLength(1);
  });

  test('a principal without managed policies (a service principal) gets both statements directly', () => {
    const s = stack();
    const r = repo({}, s);
    const grant = r.grantPush(new iam.ServicePrincipal('codebuild.amazonaws.com'));
    expect(grant.success).toBe(false);
    expect(r.authorizationPolicy).toBeUndefined();
  });

  test('snapshot: a published repository with catalog data, a policy and a publishing role', () => {
    const s = stack();
    const r = repo({ registryAlias: 'example-org', catalogData: { description: 'The CLI', architectures: ['x86-64'], operatingSystems: ['Linux'] } }, s);
    r.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('222222222222')], actions: ['ecr-public:PutImage'] }));
    r.grantPush(new iam.Role(s, 'Ci', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(stableTemplate(Template.fromStack(s).toJSON())).toMatchSnapshot();
  });
});
