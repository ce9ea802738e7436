/**
 * What a resource policy of the registry means: one pure function over a resolved policy document
 * (plain JSON, the way it appears in a synthesized template), used by `SecureRepository`, the
 * repository creation templates and the registry policy where the statements arrive, and by the
 * app-wide checks over synthesized templates.
 *
 * The rule (IAM policy evaluation logic, "Principal" and "Condition" element references): an Allow
 * statement whose principal set is open (`*`, or `NotPrincipal`: everyone but the named ones) is
 * accepted only when one of its conditions (conditions are ANDed) provably limits the principals to
 * named organizations or accounts:
 * - an equality operator (`StringEquals`, `StringEqualsIgnoreCase`, `StringLike` or `ArnEquals` /
 *   `ArnLike` without a wildcard), optionally under `ForAnyValue:`,
 * - on `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalOrgPaths` (whose organization
 *   segment is named; the OU path after it may end in a wildcard) or `aws:PrincipalArn` (whose
 *   account is named),
 * - with concrete values only.
 * `...IfExists` operators (they match principals that lack the key), negated operators
 * (`StringNotEquals`: everyone outside), `Null` and `ForAllValues:` (true when the key is missing)
 * never bound. Deny statements never widen access and are not bounded. Values that are tokens make the
 * bound undecidable at synth: a warning, never a silent pass.
 */

/** Which kind of resource policy is checked (its structural rules differ). */
export enum ResourcePolicyKind {
  /** A repository policy (`SecureRepository`, the policy a creation template attaches): no resources. */
  REPOSITORY = 'repository',
  /** The registry policy (`AWS::ECR::RegistryPolicy`): `ecr:` actions on repositories of the registry. */
  REGISTRY = 'registry',
}

/** What the checked policy protects, for the messages and the registry rules. */
export interface ResourcePolicyContext {
  readonly kind: ResourcePolicyKind;
  /**
   * The policy's subject in plain words, as in "anyone ... could pull <subject>": a repository
   * name (`team-a/api`), "the repositories created by the template for prefix prod", ...
   */
  readonly subject: string;
  /** Registry policies only: the registry's account and region (unresolved values skip the ARN check). */
  readonly registryAccount?: string;
  readonly registryRegion?: string;
}

/** One finding. `error` fails synth; `warning` says the rule could not be decided at synth. */
export interface ResourcePolicyFinding {
  readonly level: 'error' | 'warning';
  /** Index of the statement in the document. */
  readonly statement: number;
  /** The statement's Sid, when it has one. */
  readonly sid?: string;
  /** The part of the statement at fault: `principal`, `condition`, `action` or `resource`. */
  readonly property: string;
  /** The offending value, as it appears in the document. */
  readonly value: unknown;
  /** The rule, in plain words: what the statement allows and how to write it instead. */
  readonly rule: string;
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const ORG_PATH = /^(o-[a-z0-9]{10,32})\/.*$/;
const ARN_ACCOUNT = /^arn:[^:*?]+:[^:*?]+::(\d{12}):.+$/;

const PRINCIPAL_KEYS = ['aws:principalorgid', 'aws:principalaccount', 'aws:principalorgpaths', 'aws:principalarn'];

const HOW_TO = 'to share with an organization use a StringEquals condition on aws:PrincipalOrgID with the organization id ' +
  '(grantPullToOrganization() writes it), to share with accounts name them as principals (grantPullToAccounts(), AccountPrincipal)';

/** True when a value of the resolved document is a CloudFormation intrinsic or an unresolved token string. */
function isToken(value: unknown): boolean {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.keys(value).some(k => k === 'Ref' || k.startsWith('Fn::'));
  }
  return typeof value === 'string' && /\$\{Token\[|#\{Token\[|\[TOKEN\./.test(value);
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function hasWildcard(value: string): boolean {
  return /[*?]/.test(value);
}

/** The outcome of reading one condition entry (operator, key, values). */
type Bound = { readonly kind: 'bounds' } | { readonly kind: 'undecided'; readonly value: unknown } | { readonly kind: 'open'; readonly who: string };

/** Whether a concrete value names an organization or account for the key, under an operator that does not expand wildcards. */
function namesPrincipals(key: string, value: string, wildcards: boolean): boolean {
  switch (key) {
    case 'aws:principalorgid': return ORGANIZATION_ID.test(value) && !(wildcards && hasWildcard(value));
    case 'aws:principalaccount': return ACCOUNT_ID.test(value);
    case 'aws:principalorgpaths': {
      // The organization segment must be named; the OU path after it may end in a wildcard (AWS's own examples do).
      const m = ORG_PATH.exec(value);
      return m !== null && (!wildcards || !hasWildcard(m[1]));
    }
    case 'aws:principalarn': {
      const m = ARN_ACCOUNT.exec(value);
      return m !== null;
    }
    default: return false;
  }
}

function shown(values: unknown[]): string {
  return values.map(v => typeof v === 'string' ? v : JSON.stringify(v)).join(', ');
}

function readCondition(rawOperator: string, rawKey: string, rawValue: unknown): Bound {
  const key = rawKey.toLowerCase();
  const values = list(rawValue);
  if (!PRINCIPAL_KEYS.includes(key)) {
    return { kind: 'open', who: `anyone (the condition on ${rawKey} does not name an organization or account)` };
  }
  let operator = rawOperator;
  let setOperator = '';
  const set = /^(ForAnyValue|ForAllValues):(.+)$/i.exec(operator);
  if (set) {
    setOperator = set[1].toLowerCase();
    operator = set[2];
  }
  const op = operator.toLowerCase();
  if (setOperator === 'forallvalues') {
    return { kind: 'open', who: `anyone without ${rawKey} (${rawOperator} is true when the key is missing) as well as ${shown(values)}` };
  }
  if (op.endsWith('ifexists')) {
    return { kind: 'open', who: `anyone without ${rawKey} (${rawOperator} is true when the key is missing), as well as ${shown(values)}` };
  }
  if (op === 'null') {
    const truthy = values.some(v => String(v).toLowerCase() === 'true');
    return {
      kind: 'open',
      who: truthy
        ? `anyone who belongs to no organization (Null ${rawKey} "true")`
        : `anyone in any organization (Null ${rawKey} "false" only requires the key to exist)`,
    };
  }
  if (/not/.test(op)) {
    return { kind: 'open', who: `anyone outside ${shown(values)} (${rawOperator} matches every other value)` };
  }
  const equality = ['stringequals', 'stringequalsignorecase', 'arnequals'].includes(op);
  const like = ['stringlike', 'arnlike'].includes(op);
  if (!equality && !like) {
    return { kind: 'open', who: `anyone (${rawOperator} on ${rawKey} does not bound the principals to named organizations or accounts)` };
  }
  if (values.length === 0) {
    return { kind: 'open', who: `anyone (the ${rawKey} condition lists no value)` };
  }
  const tokens = values.filter(isToken);
  const concrete = values.filter(v => !isToken(v));
  const unnamed = concrete.filter(v => typeof v !== 'string' || !namesPrincipals(key, v, like));
  if (unnamed.length) {
    const wild = like && unnamed.some(v => typeof v === 'string' && hasWildcard(v));
    return {
      kind: 'open',
      who: wild
        ? `any principal whose ${rawKey} matches ${shown(unnamed)} (a wildcard: ${key === 'aws:principalorgid' ? 'every account of every organization' : 'accounts nobody named'})`
        : `any principal whose ${rawKey} is ${shown(unnamed)}, which is not a concrete ${key === 'aws:principalaccount' ? 'account id' : key === 'aws:principalorgid' ? 'organization id' : 'organization or account'}`,
    };
  }
  if (tokens.length) return { kind: 'undecided', value: tokens };
  return { kind: 'bounds' };
}

/** Reads whether a statement's conditions bound an open principal set. */
function readConditions(condition: unknown): Bound {
  if (condition === undefined) return { kind: 'open', who: 'anyone (no condition names an organization or account)' };
  if (isToken(condition)) return { kind: 'undecided', value: condition };
  let firstOpen: Bound | undefined;
  let undecided: Bound | undefined;
  for (const [operator, entries] of Object.entries(condition as Record<string, unknown>)) {
    if (isToken(entries)) {
      undecided ??= { kind: 'undecided', value: entries };
      continue;
    }
    for (const [key, value] of Object.entries((entries ?? {}) as Record<string, unknown>)) {
      const bound = readCondition(operator, key, value);
      // Conditions are ANDed: one that bounds the principals bounds the statement.
      if (bound.kind === 'bounds') return bound;
      if (bound.kind === 'undecided') undecided ??= bound;
      // Prefer the explanation that is about the principal keys.
      else if (!firstOpen || (PRINCIPAL_KEYS.includes(key.toLowerCase()) && /no condition|does not name/.test((firstOpen as any).who))) firstOpen = bound;
    }
  }
  return undecided ?? firstOpen ?? { kind: 'open', who: 'anyone (no condition names an organization or account)' };
}

const PULL = ['ecr:batchgetimage', 'ecr:getdownloadurlforlayer'];
const PUSH = ['ecr:putimage', 'ecr:initiatelayerupload', 'ecr:uploadlayerpart', 'ecr:completelayerupload'];

/** What a statement lets its principals do, in plain words ("pull", "push to", "replicate into"). */
function describeActions(statement: any): string {
  if (statement.NotAction !== undefined) {
    return `call every action except ${shown(list(statement.NotAction))} on`;
  }
  const actions = list(statement.Action).filter((a): a is string => typeof a === 'string').map(a => a.toLowerCase());
  if (actions.some(a => a === '*' || a === 'ecr:*')) return 'do anything (ecr:*) to';
  const verbs: string[] = [];
  if (actions.some(a => PUSH.includes(a) || a.startsWith('ecr:put'))) verbs.push('push to');
  if (actions.some(a => PULL.includes(a) || a.startsWith('ecr:batchget') || a.startsWith('ecr:get'))) verbs.push('pull');
  if (actions.includes('ecr:replicateimage')) verbs.push('replicate into');
  if (actions.includes('ecr:createrepository')) verbs.push('create repositories in');
  if (actions.some(a => a.startsWith('ecr:delete') || a.startsWith('ecr:batchdelete'))) verbs.push('delete from');
  if (verbs.length === 0) return `call ${shown(list(statement.Action))} on`;
  return verbs.length === 1 ? verbs[0] : `${verbs.slice(0, -1).join(', ')} and ${verbs[verbs.length - 1]}`;
}

/** Whether a principal value is the open set, names principals, or cannot be decided at synth. */
function readPrincipal(principal: unknown): 'open' | 'named' | 'undecided' {
  if (principal === '*') return 'open';
  if (isToken(principal)) return 'undecided';
  if (principal === null || typeof principal !== 'object') return 'named';
  let undecided = false;
  for (const value of Object.values(principal as Record<string, unknown>)) {
    if (isToken(value) && !isNamedArn(value)) undecided = true;
    for (const v of list(value)) {
      if (v === '*') return 'open';
      if (isToken(v) && !isNamedArn(v)) undecided = true;
    }
  }
  return undecided ? 'undecided' : 'named';
}

/** A joined ARN with literal parts (`arn:` ... `:iam::123456789012:root`) or a resource attribute names a principal. */
function isNamedArn(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, any>;
  if (v['Fn::GetAtt']) return true;
  if (v['Fn::Join']) {
    const parts: unknown[] = v['Fn::Join'][1] ?? [];
    return parts.some(p => typeof p === 'string' && p.startsWith('arn:')) || parts.some(p => typeof p === 'string' && /:iam::|:root$|:role\//.test(p));
  }
  return false;
}

/**
 * Checks a resolved resource policy document (the object or its JSON text) and returns what is
 * wrong with it, in plain words. Pure: no construct, no CDK; the caller adds the construct path.
 */
export function checkResourcePolicy(document: unknown, context: ResourcePolicyContext): ResourcePolicyFinding[] {
  let doc: any = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return [{ level: 'error', statement: -1, property: 'document', value: document, rule: 'the policy is not valid JSON' }];
    }
  }
  if (isToken(doc)) {
    return [{ level: 'warning', statement: -1, property: 'document', value: doc, rule: 'the policy is only known at deploy time, so its principals cannot be checked at synth' }];
  }
  const findings: ResourcePolicyFinding[] = [];
  const statements = list(doc?.Statement);
  statements.forEach((statement: any, index) => {
    const sid = typeof statement?.Sid === 'string' ? statement.Sid : undefined;
    const at = (level: 'error' | 'warning', property: string, value: unknown, rule: string) =>
      findings.push({ level, statement: index, sid, property, value, rule });
    if (statement === null || typeof statement !== 'object') {
      at('error', 'statement', statement, 'a statement is an object');
      return;
    }
    const kindWord = context.kind === ResourcePolicyKind.REGISTRY ? 'registry' : 'repository';
    if (statement.Principal === undefined && statement.NotPrincipal === undefined) {
      at('error', 'principal', undefined, `${kindWord} policy statements must name their principals`);
    }

    const allow = statement.Effect === undefined || statement.Effect === 'Allow';
    if (allow) {
      const open = statement.NotPrincipal !== undefined ? 'open' : readPrincipal(statement.Principal);
      if (open === 'undecided') {
        at('warning', 'principal', statement.Principal,
          'the principal is only known at deploy time, so whether it is "*" cannot be checked at synth; name the principals with concrete values');
      } else if (open === 'open') {
        const bound = readConditions(statement.Condition);
        const what = `${describeActions(statement)} ${context.subject}`;
        if (bound.kind === 'undecided') {
          at('warning', 'condition', bound.value,
            `the condition that should bound the ${statement.NotPrincipal !== undefined ? 'NotPrincipal' : '"*"'} principal is only known at deploy time, ` +
            `so it cannot be checked at synth that only named organizations or accounts could ${what}`);
        } else if (bound.kind === 'open') {
          const who = statement.NotPrincipal !== undefined
            ? `${bound.who.replace(/^anyone/, `anyone except ${shown(principalValues(statement.NotPrincipal))}`)}`
            : bound.who;
          const property = statement.NotPrincipal !== undefined ? 'NotPrincipal' : statement.Condition === undefined ? 'principal' : 'condition';
          const value = statement.NotPrincipal !== undefined ? statement.NotPrincipal : statement.Condition ?? statement.Principal;
          at('error', property, value,
            `${who} could ${what}; an Allow with ${statement.NotPrincipal !== undefined ? 'NotPrincipal' : 'a "*" principal'} needs a condition ` +
            'that bounds the principals to named organizations or accounts (StringEquals on aws:PrincipalOrgID, aws:PrincipalAccount or aws:PrincipalOrgPaths, ' +
            `concrete values, no IfExists, no negation); ${HOW_TO}`);
        }
      }
    }

    if (context.kind === ResourcePolicyKind.REPOSITORY) {
      for (const field of ['Resource', 'NotResource']) {
        if (statement[field] !== undefined) {
          at('error', 'resource', statement[field], 'repository policy statements apply to the repository itself and cannot name resources');
        }
      }
    } else {
      for (const action of list(statement.Action).concat(list(statement.NotAction))) {
        if (typeof action === 'string' && !action.startsWith('ecr:')) {
          at('error', 'action', action, 'registry policies only take ecr: actions');
        }
      }
      if (statement.Resource === undefined) {
        at('error', 'resource', undefined,
          'registry policy statements must name the repositories they apply to (arn:<partition>:ecr:<region>:<account>:repository/...)');
      }
      const account = context.registryAccount;
      const region = context.registryRegion;
      for (const resource of list(statement.Resource)) {
        if (typeof resource !== 'string' || isToken(resource)) continue;
        const match = /^arn:[a-z-]+:ecr:([^:]*):([^:]*):repository\/.+$/.exec(resource);
        const otherRegion = match && region !== undefined && !isToken(region) && match[1] !== region;
        const otherAccount = match && account !== undefined && !isToken(account) && match[2] !== account;
        if (!match || otherRegion || otherAccount) {
          at('error', 'resource', resource,
            `registry policy statements can only name repositories of this registry (arn:<partition>:ecr:${region ?? '<region>'}:${account ?? '<account>'}:repository/...)`);
        }
      }
    }
  });
  return findings;
}

function principalValues(principal: unknown): unknown[] {
  if (principal === null || typeof principal !== 'object') return list(principal);
  return Object.values(principal as Record<string, unknown>).flatMap(list);
}
