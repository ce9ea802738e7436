import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { checkResourcePolicy, ResourcePolicyKind } from '../../src/rules/resource-policy';
import { ContainerRegistry, RepositoryCreationScenario, SecureRepository } from 'cdk-ecr-blueprints';

const ORG = 'o-abc123def4';
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
const repo = { kind: ResourcePolicyKind.REPOSITORY, subject: 'team-a/api' };

function check(statement: Record<string, unknown>, context = repo) {
  return checkResourcePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: PULL, ...statement }] }, context);
}
function errors(statement: Record<string, unknown>) {
  return check(statement).filter(f => f.level === 'error').map(f => f.rule);
}

describe('an Allow with a "*" principal', () => {
  test.each([
    ['StringEquals aws:PrincipalOrgID', { StringEquals: { 'aws:PrincipalOrgID': ORG } }],
    ['StringEqualsIgnoreCase, key in another case', { StringEqualsIgnoreCase: { 'AWS:principalorgid': ORG } }],
    ['StringLike without a wildcard', { StringLike: { 'aws:PrincipalOrgID': [ORG, 'o-zzzzzzzzzz'] } }],
    ['ForAnyValue:StringEquals', { 'ForAnyValue:StringEquals': { 'aws:PrincipalOrgID': ORG } }],
    ['aws:PrincipalAccount', { StringEquals: { 'aws:PrincipalAccount': ['111111111111', '222222222222'] } }],
    ['aws:PrincipalOrgPaths with the OU path wildcard', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${ORG}/r-ab12/ou-ab12-11111111/*` } }],
    ['aws:PrincipalArn naming the account', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/ci-*' } }],
    ['a bounding condition next to one that does not bound', { StringNotEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }, StringEquals: { 'aws:PrincipalAccount': '111111111111' } }],
  ])('is accepted when bounded: %s', (_, condition) => {
    expect(check({ Principal: '*', Condition: condition })).toEqual([]);
    expect(check({ Principal: { AWS: '*' }, Condition: condition })).toEqual([]);
  });

  test('without a condition: anyone could pull the repository', () => {
    expect(errors({ Principal: { AWS: ['arn:aws:iam::111111111111:root', '*'] } })).toEqual([
      expect.stringMatching(/^anyone \(no condition names an organization or account\) could pull team-a\/api; .*grantPullToOrganization\(\)/),
    ]);
  });

  test.each([
    ['StringNotEquals', { StringNotEquals: { 'aws:PrincipalOrgID': ORG } }, `anyone outside ${ORG} (StringNotEquals matches every other value) could pull team-a/api`],
    ['StringNotLike', { StringNotLike: { 'aws:PrincipalOrgID': ORG } }, `anyone outside ${ORG}`],
    ['StringLike "o-*"', { StringLike: { 'aws:PrincipalOrgID': 'o-*' } }, 'any principal whose aws:PrincipalOrgID matches o-* (a wildcard: every account of every organization) could pull team-a/api'],
    ['StringEquals with a value that is no organization id', { StringEquals: { 'aws:PrincipalOrgID': 'o-*' } }, 'which is not a concrete organization id'],
    ['Null "true"', { Null: { 'aws:PrincipalOrgID': 'true' } }, 'anyone who belongs to no organization'],
    ['Null "false"', { Null: { 'aws:PrincipalOrgID': 'false' } }, 'anyone in any organization'],
    ['StringEqualsIfExists', { StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } }, 'anyone without aws:PrincipalOrgID (StringEqualsIfExists is true when the key is missing)'],
    ['ForAllValues:StringEquals', { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': ORG } }, 'ForAllValues:StringEquals is true when the key is missing'],
    ['a condition on another key', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, 'anyone (the condition on aws:SourceIp does not name an organization or account)'],
    ['PrincipalOrgPaths with a wildcard organization', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-*/*' } }, 'a wildcard'],
    ['PrincipalArn in any account', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/ci' } }, '(a wildcard: accounts nobody named)'],
    ['one bound value and one wildcard', { StringLike: { 'aws:PrincipalOrgID': [ORG, 'o-*'] } }, 'matches o-*'],
  ])('is rejected when the condition does not bound: %s', (_, condition, said) => {
    const found = errors({ Principal: '*', Condition: condition });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(said);
    expect(found[0]).toContain('StringEquals on aws:PrincipalOrgID');
  });

  test('says what the actions allow: push, NotAction, ecr:*', () => {
    expect(errors({ Principal: '*', Action: ['ecr:PutImage', 'ecr:BatchGetImage'] })[0]).toContain('could push to and pull team-a/api');
    expect(errors({ Principal: '*', Action: undefined, NotAction: 'ecr:DeleteRepository' })[0]).toContain('could call every action except ecr:DeleteRepository on team-a/api');
    expect(errors({ Principal: '*', Action: 'ecr:*' })[0]).toContain('could do anything (ecr:*) to team-a/api');
  });

  test('a token in the bounding condition is a warning, never a silent pass', () => {
    const found = check({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrgId' } } } });
    expect(found).toEqual([expect.objectContaining({ level: 'warning', property: 'condition', value: [{ Ref: 'OrgId' }] })]);
    expect(check({ Principal: '*', Condition: { Ref: 'Conditions' } })).toEqual([expect.objectContaining({ level: 'warning' })]);
    expect(check({ Principal: { AWS: { Ref: 'Who' } } })).toEqual([expect.objectContaining({ level: 'warning', property: 'principal' })]);
  });

  test('a token next to a wildcard is still an error', () => {
    expect(errors({ Principal: '*', Condition: { StringLike: { 'aws:PrincipalOrgID': [{ Ref: 'OrgId' }, 'o-*'] } } })).toHaveLength(1);
  });
});

describe('NotPrincipal and Deny', () => {
  test('an Allow with NotPrincipal: anyone except the named account', () => {
    const found = errors({ NotPrincipal: { AWS: 'arn:aws:iam::111111111111:root' } });
    expect(found).toEqual([expect.stringMatching(/^anyone except arn:aws:iam::111111111111:root .*could pull team-a\/api/)]);
  });
  test('an Allow with NotPrincipal bounded to an organization is accepted', () => {
    expect(check({ NotPrincipal: { AWS: 'arn:aws:iam::111111111111:root' }, Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } })).toEqual([]);
  });
  test('Deny never widens access: a Deny with "*" or NotPrincipal and no condition is accepted', () => {
    expect(check({ Effect: 'Deny', Principal: '*', Action: 'ecr:DeleteRepository' })).toEqual([]);
    expect(check({ Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111111111111:root' }, Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } } })).toEqual([]);
  });
  test('named principals need no condition', () => {
    expect(check({ Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } } })).toEqual([]);
    expect(check({ Principal: { Service: 'codebuild.amazonaws.com' } })).toEqual([]);
  });
});

describe('structural rules', () => {
  test('a statement without principals is rejected', () => {
    expect(errors({})).toEqual(['repository policy statements must name their principals']);
  });
  test('repository policies name no resources', () => {
    expect(errors({ Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Resource: '*' })).toEqual([
      'repository policy statements apply to the repository itself and cannot name resources',
    ]);
  });
  test('registry policies take ecr: actions on repositories of the registry', () => {
    const ctx = { kind: ResourcePolicyKind.REGISTRY, subject: 'the registry', registryAccount: '111111111111', registryRegion: 'us-east-1' };
    const ok = { Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: ['ecr:ReplicateImage'], Resource: 'arn:aws:ecr:us-east-1:111111111111:repository/*' };
    expect(check(ok, ctx)).toEqual([]);
    expect(check({ ...ok, Action: 's3:GetObject' }, ctx).map(f => f.rule)).toEqual(['registry policies only take ecr: actions']);
    expect(check({ ...ok, Resource: 'arn:aws:ecr:eu-west-1:111111111111:repository/*' }, ctx).map(f => f.property)).toEqual(['resource']);
    expect(check({ ...ok, Resource: undefined }, ctx).map(f => f.property)).toEqual(['resource']);
  });
  test('the JSON text of a policy is read like the object', () => {
    expect(checkResourcePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: PULL }] }), repo)).toHaveLength(1);
    expect(checkResourcePolicy('{', repo)).toEqual([expect.objectContaining({ level: 'error', rule: 'the policy is not valid JSON' })]);
  });
});

describe('the constructs call the rule', () => {
  const notInOrg = () => new iam.PolicyStatement({
    principals: [new iam.AnyPrincipal()],
    actions: PULL,
    conditions: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } },
  });

  test('SecureRepository rejects a "*" principal bounded by StringNotEquals, in plain words', () => {
    const app = new App();
    const r = new SecureRepository(new Stack(app, 'S'), 'Api', { repositoryName: 'team-a/api' });
    r.addToResourcePolicy(notInOrg());
    expect(() => app.synth())
      .toThrow(`S/Api: invalid repository policy condition {"StringNotEquals":{"aws:PrincipalOrgID":"${ORG}"}}: anyone outside ${ORG} (StringNotEquals matches every other value) could pull team-a/api`);
  });

  test('grantPullToOrganization keeps working', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new SecureRepository(stack, 'Api', { repositoryName: 'team-a/api' }).grantPullToOrganization(ORG);
    expect(() => app.synth()).not.toThrow();
  });

  test('a creation template rejects Null on aws:PrincipalOrgID', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    const registry = new ContainerRegistry(stack, 'Registry');
    registry.addCreationTemplate('team-a', {
      appliedFor: [RepositoryCreationScenario.CREATE_ON_PUSH],
      repositoryPolicy: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: PULL, conditions: { Null: { 'aws:PrincipalOrgID': 'true' } } })],
      }),
    });
    expect(() => app.synth()).toThrow('anyone who belongs to no organization (Null aws:PrincipalOrgID "true") could pull the repositories created by the template for prefix team-a');
  });

  test('the registry policy rejects StringLike "o-*"', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    const registry = new ContainerRegistry(stack, 'Registry');
    registry.addToRegistryPolicy(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['ecr:ReplicateImage'],
      resources: [registry.repositoryArnForPrefix('ROOT')],
      conditions: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } },
    }));
    expect(() => app.synth()).toThrow(/S\/Registry: invalid registry policy condition .*: any principal whose aws:PrincipalOrgID matches o-\* .*could replicate into the repositories of the registry S\/Registry/);
  });

  test('a token organization id is a warning on the construct', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const r = new SecureRepository(stack, 'Api', { repositoryName: 'team-a/api' });
    const org = new CfnParameter(stack, 'Org').valueAsString;
    r.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: PULL, conditions: { StringEquals: { 'aws:PrincipalOrgID': org } } }));
    app.synth();
    Annotations.fromStack(stack).hasWarning('/S/Api', Match.stringLikeRegexp('cannot check repository policy condition .*only known at deploy time'));
  });
});
