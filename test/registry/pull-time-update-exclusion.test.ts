import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { envStack } from './helpers';
import { ContainerRegistry, PullTimeUpdateExclusion } from '../../src';

describe('PullTimeUpdateExclusion', () => {
  test('a role of the app, through the registry: one resource naming the role ARN', () => {
    const stack = envStack();
    const registry = new ContainerRegistry(stack, 'Registry');
    const scanner = new iam.Role(stack, 'Scanner', { assumedBy: new iam.AccountRootPrincipal() });
    const exclusion = registry.addPullTimeUpdateExclusion('scanner', scanner);
    expect(exclusion.node.path).toBe('Test/Registry/PullTimeUpdateExclusion/scanner');
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullTimeUpdateExclusion', {
      PrincipalArn: { 'Fn::GetAtt': [stack.getLogicalId(scanner.node.defaultChild as iam.CfnRole), 'Arn'] },
    });
  });

  test('an imported role with a path is accepted', () => {
    const stack = envStack();
    new PullTimeUpdateExclusion(stack, 'Ci', { role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/ci/build-all') });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullTimeUpdateExclusion', { PrincipalArn: 'arn:aws:iam::111111111111:role/ci/build-all' });
  });

  test('users and assumed-role sessions are refused (the user guide documents role ARNs)', () => {
    const stack = envStack();
    const asRole = (id: string, arn: string) => ({ ...iam.Role.fromRoleArn(stack, id, 'arn:aws:iam::111111111111:role/x'), roleArn: arn } as iam.IRole);
    expect(() => new PullTimeUpdateExclusion(stack, 'User', { role: asRole('U', 'arn:aws:iam::111111111111:user/scanner') })).toThrow(
      'Test/User: invalid role "arn:aws:iam::111111111111:user/scanner": pull-time update exclusions take IAM role ARNs');
    expect(() => new PullTimeUpdateExclusion(stack, 'Session', { role: asRole('S', 'arn:aws:sts::111111111111:assumed-role/scanner/session') }))
      .toThrow(/invalid role "arn:aws:sts::111111111111:assumed-role\/scanner\/session"/);
  });

  test('ARNs of at most 200 characters', () => {
    const stack = envStack();
    const prefix = 'arn:aws:iam::111111111111:role/';
    new PullTimeUpdateExclusion(stack, 'Longest', { role: iam.Role.fromRoleArn(stack, 'R1', prefix + 'a'.repeat(200 - prefix.length)) });
    expect(() => new PullTimeUpdateExclusion(stack, 'TooLong', { role: iam.Role.fromRoleArn(stack, 'R2', prefix + 'a'.repeat(201 - prefix.length)) }))
      .toThrow(/invalid role .*must be 1-200 characters long \(got 201\)/);
  });

  function exclusions(stack: Stack, from: number, count: number) {
    for (let i = from; i < from + count; i++) {
      new PullTimeUpdateExclusion(stack, `E${i}`, { role: iam.Role.fromRoleArn(stack, `R${i}`, `arn:aws:iam::111111111111:role/r${i}`) });
    }
  }

  test('100 exclusions per account are accepted, across stacks of one account and region', () => {
    const app = new App();
    exclusions(envStack(app, 'A'), 0, 50);
    exclusions(envStack(app, 'B'), 50, 50);
    expect(() => app.synth()).not.toThrow();
  });

  test('a 101st exclusion in the same account and region fails at synth', () => {
    const app = new App();
    exclusions(envStack(app, 'A'), 0, 50);
    exclusions(envStack(app, 'B'), 50, 51);
    expect(() => app.synth()).toThrow(/invalid pull-time update exclusions 101: ECR accepts at most 100 pull-time update exclusions per account/);
  });

  test('another region is another registry', () => {
    const app = new App();
    exclusions(envStack(app, 'A'), 0, 100);
    exclusions(envStack(app, 'B', '111111111111', 'eu-west-1'), 100, 1);
    expect(() => app.synth()).not.toThrow();
  });

  test('two exclusions of one role fail at synth', () => {
    const app = new App();
    const stack = envStack(app);
    const role = iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::111111111111:role/scanner');
    new PullTimeUpdateExclusion(stack, 'One', { role });
    new PullTimeUpdateExclusion(stack, 'Two', { role });
    expect(() => app.synth()).toThrow(/Test\/Two: invalid role "arn:aws:iam::111111111111:role\/scanner": the role already has a pull-time update exclusion \(Test\/One\)/);
  });
});
