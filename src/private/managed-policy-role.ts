import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

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
 * packs). `ecr:GetAuthorizationToken` on `*` goes to a policy of its own, so that the only
 * unavoidable `*` sits alone in one construct and can be acknowledged there and nowhere else.
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

  /** The policy holding `ecr:GetAuthorizationToken` on `*`; created when that is first granted. */
  public get authorizationPolicy(): iam.ManagedPolicy | undefined {
    return this._authorizationPolicy;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const policy = isAuthorizationTokenStatement(statement) ? this.obtainAuthorizationPolicy() : this.obtainPolicy();
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
      this._authorizationPolicy = new iam.ManagedPolicy(this, 'RegistryAuthorizationPolicy');
      this.addManagedPolicy(this._authorizationPolicy);
    }
    return this._authorizationPolicy;
  }
}
