import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BlueprintValidationError } from './validate';

/**
 * True for the one statement that cannot be scoped: `ecr:GetAuthorizationToken` has no
 * resource-level permission, so it is always granted on `*`.
 */
export function isAuthorizationTokenStatement(statement: iam.PolicyStatement): boolean {
  return statement.effect === iam.Effect.ALLOW
    && statement.actions.length === 1 && statement.actions[0] === 'ecr:GetAuthorizationToken'
    && statement.notActions.length === 0
    && statement.resources.length === 1 && statement.resources[0] === '*'
    && statement.notResources.length === 0
    && !statement.hasPrincipal
    && Object.keys(statement.conditions ?? {}).length === 0;
}

/**
 * A role whose identity statements go to customer-managed policies instead of the inline
 * `DefaultPolicy` that `iam.Role` creates (cdk-nag IAMNoInlinePolicy in the HIPAA, NIST and PCI
 * packs). `ecr:GetAuthorizationToken` on `*` goes to the stack's shared authorization policy, so
 * that the only unavoidable `*` sits alone in one construct per stack and can be acknowledged there
 * and nowhere else.
 */
export class ManagedPolicyRole extends iam.Role {
  private _policy?: iam.ManagedPolicy;
  private _authorizationPolicy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
  }

  /** The policy holding every scoped statement; created by the first one. */
  public get policy(): iam.ManagedPolicy | undefined {
    return this._policy;
  }

  /** The stack's shared policy holding `ecr:GetAuthorizationToken` on `*`; attached when that is first granted. */
  public get authorizationPolicy(): iam.ManagedPolicy | undefined {
    return this._authorizationPolicy;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    // The shared authorization policy already holds the statement.
    if (isAuthorizationTokenStatement(statement)) return { statementAdded: true, policyDependable: this.obtainAuthorizationPolicy() };
    const policy = this.obtainPolicy();
    policy.addStatements(statement);
    return { statementAdded: true, policyDependable: policy };
  }

  private obtainPolicy(): iam.ManagedPolicy {
    if (!this._policy) {
      // No description: one per service would repeat the path its name already carries.
      this._policy = new iam.ManagedPolicy(this, 'Policy');
      this.addManagedPolicy(this._policy);
    }
    return this._policy;
  }

  private obtainAuthorizationPolicy(): iam.ManagedPolicy {
    if (!this._authorizationPolicy) {
      this._authorizationPolicy = sharedAuthorizationPolicy(Stack.of(this));
      this.addManagedPolicy(this._authorizationPolicy);
    }
    return this._authorizationPolicy;
  }
}

/** The construct id of the stack's shared authorization policy, at the stack root. */
const SHARED_AUTHORIZATION_POLICY_ID = 'RegistryAuthorizationPolicy';

/** Marks the shared policy this library made (a global symbol: two copies of the library share it). */
const SHARED_AUTHORIZATION_POLICY = Symbol.for('cdk-ecr-blueprints.sharedAuthorizationPolicy');

/**
 * The one customer-managed policy per stack that holds `ecr:GetAuthorizationToken` on `*`, attached
 * to every role of the stack that pulls from ECR. The statement is the same for every role, so one
 * policy grants each role exactly what a policy of its own would, in one resource instead of one per
 * role (and one of the account's customer-managed policies, 1,500 by default, instead of one per
 * service). Found by construct id and marked, so that two copies of the library in one app share it
 * and no construct of the user's under that id is ever attached to the roles.
 */
function sharedAuthorizationPolicy(stack: Stack): iam.ManagedPolicy {
  const existing = stack.node.tryFindChild(SHARED_AUTHORIZATION_POLICY_ID);
  if (existing) {
    if (!(SHARED_AUTHORIZATION_POLICY in existing) || !(existing instanceof iam.ManagedPolicy)) {
      throw new BlueprintValidationError(existing, 'construct id', SHARED_AUTHORIZATION_POLICY_ID,
        'the library keeps the stack\'s shared ecr:GetAuthorizationToken policy under this id at the stack root and attaches it to ' +
        `every execution role of the stack; rename this ${existing.constructor.name}`);
    }
    return existing;
  }
  const policy = new iam.ManagedPolicy(stack, SHARED_AUTHORIZATION_POLICY_ID, {
    description: 'ecr:GetAuthorizationToken for the roles of this stack that pull from ECR (the action has no resource-level permission)',
    statements: [new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] })],
  });
  Object.defineProperty(policy, SHARED_AUTHORIZATION_POLICY, { value: true });
  return policy;
}
