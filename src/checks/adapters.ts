/**
 * The thin adapter to the one rule of the library that is not yet a pure function of src/rules:
 * `ContainerRegistry`'s registry policy check. Nothing here decides the rule: the adapter turns plain
 * template data into the inputs of the library's implementation, runs it, and returns what it
 * refused. When the rule becomes a function of src/rules, the adapter's body becomes one call to it.
 *
 * Internal: not part of the jsii API.
 */
import { App, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { message } from '../private/validate';
import { ContainerRegistry } from '../registry/container-registry';

/** The tag mutability settings of a repository, as the template has them. */
export interface TagMutabilitySettings {
  readonly mode: string;
  readonly filters: readonly string[];
}

/**
 * The document with every CloudFormation intrinsic in it turned back into a token, so that
 * aws-cdk-lib's policy classes accept it and the checks treat it as unresolved (never as a value).
 */
function withTokens(value: unknown): any {
  if (Array.isArray(value)) return value.map(withTokens);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return Token.asString(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTokens(v)]));
  }
  return value;
}

/**
 * An app for scratch constructs. Never synthesized: `autoSynth: false`, or under the CDK CLI (which
 * sets CDK_OUTDIR) it would write its assembly over the real app's at exit.
 */
function scratchApp(): App {
  return new App({ autoSynth: false, context: { 'aws:cdk:disable-stack-trace': true } });
}

/** Scratch registries for the registry policy adapter: throwaway apps, never synthesized. */
export class Scratch {
  private count = 0;

  /**
   * Registry policy semantics: the checks `ContainerRegistry` runs on its registry policy (principals
   * named, a `*` principal only with `aws:PrincipalOrgID`, `ecr:` actions only, resources that are
   * repositories of this registry, at most 10,240 characters). The adapter gives the statements to a
   * `ContainerRegistry` of a scratch stack in the same environment and returns its validation errors.
   */
  public registryPolicyViolations(where: string, document: unknown, account: string | undefined, region: string | undefined): string[] {
    const id = `P${this.count++}`;
    const stack = new Stack(scratchApp(), id,
      account && region ? { env: { account, region } } : {});
    const registry = new ContainerRegistry(stack, 'Registry');
    try {
      for (const statement of withTokens(document).Statement ?? []) {
        registry.addToRegistryPolicy(iam.PolicyStatement.fromJson(statement));
      }
    } catch (e) {
      return [message(where, 'PolicyText', document, `not a policy document ECR accepts (${(e as Error).message})`)];
    }
    // The scratch registry's path is the template resource's in what the plugin reports.
    return registry.node.validate()
      .filter(m => m.includes('registry policy'))
      .map(m => m.split(registry.node.path).join(where));
  }
}
