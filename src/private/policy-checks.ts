import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { message } from './validate';

/** A statement of a resolved policy document. */
interface ResolvedStatement {
  readonly Principal?: any;
  readonly NotPrincipal?: any;
  readonly Condition?: Record<string, any>;
  readonly Resource?: any;
  readonly Action?: string | string[];
}

/** True when the value holds CloudFormation intrinsics (the policy text is only known at deploy time). */
export function hasIntrinsics(resolved: unknown): boolean {
  return /"(Ref|Fn::[A-Za-z]+)"\s*:/.test(JSON.stringify(resolved ?? null));
}

/** The statements of a policy document, resolved in the scope's stack. */
export function resolvedStatements(scope: IConstruct, document: iam.PolicyDocument): ResolvedStatement[] {
  const json = Stack.of(scope).resolve(document.toJSON()) as { Statement?: ResolvedStatement[] } | undefined;
  return json?.Statement ?? [];
}

/** Whether a statement's principal is `*` (alone or among AWS principals). */
export function isWildcardPrincipal(statement: ResolvedStatement): boolean {
  const p = statement.Principal;
  return p === '*' || p?.AWS === '*' || (Array.isArray(p?.AWS) && p.AWS.includes('*'));
}

/** Whether a statement is bounded to an AWS Organization by `aws:PrincipalOrgID`. */
export function isOrganizationBound(statement: ResolvedStatement): boolean {
  return Object.values(statement.Condition ?? {}).some((c: any) => c && typeof c === 'object' && 'aws:PrincipalOrgID' in c);
}

/**
 * Checks a repository policy (the kind that creation templates attach to the repositories they
 * create): statements name principals, a `*` principal only with `aws:PrincipalOrgID`, no resources.
 */
export function checkRepositoryPolicy(scope: IConstruct, property: string, document: iam.PolicyDocument): string[] {
  const errors: string[] = [];
  for (const statement of resolvedStatements(scope, document)) {
    if (statement.Principal === undefined && statement.NotPrincipal === undefined) {
      errors.push(message(scope, `${property} principal`, undefined, 'repository policy statements must name their principals'));
    }
    if (isWildcardPrincipal(statement) && !isOrganizationBound(statement)) {
      errors.push(message(scope, `${property} principal`, statement.Principal,
        'a * principal is only accepted with an aws:PrincipalOrgID condition; name the accounts or roles instead'));
    }
    if (statement.Resource !== undefined) {
      errors.push(message(scope, `${property} resource`, statement.Resource,
        'repository policy statements apply to the repository itself and cannot name resources'));
    }
  }
  return errors;
}
