/**
 * Thin adapters to the rules of the library that are not yet pure functions of src/rules: they
 * live in a construct (`ContainerRegistry`'s registry policy check, `ImageReference.fromRepository`,
 * `TaggedImageTaskDefinition`'s root-user check). Nothing here decides a rule: each adapter turns plain template data
 * into the inputs of the library's implementation, runs it, and returns what it refused. When the
 * rule becomes a function of src/rules, the adapter's body becomes one call to it.
 *
 * Internal: not part of the jsii API.
 */
import { App, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ImageReference } from '../ecs/image-reference';
import { TaggedImageTaskDefinition } from '../ecs/tagged-image-task-definition';
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

/** Drops the advice that names an opt-out prop of the library's constructs (an acknowledgement is the plugin's opt-out). */
function libraryOnly(text: string): string {
  return text.replace(/,? or set allow[A-Za-z]+: true/, '');
}

/**
 * Scratch constructs for the adapters that need a construct (policy resolution, image references):
 * one throwaway app per plugin run, never synthesized.
 */
export class Scratch {
  private readonly stack: Stack;
  private readonly root: Construct;
  private readonly verdicts = new Map<string, string | undefined>();
  private count = 0;

  constructor() {
    this.stack = new Stack(scratchApp(), 'Scratch');
    this.root = new Construct(this.stack, 'C');
  }

  /**
   * The image-tag verdict of `ImageReference.fromRepository`: a tag the repository lets move is
   * refused; `latest` is refused when the repository's mutability is unknown. `settings` are the
   * repository's, when it is defined in the app with concrete settings. Returns the refusal, if any.
   */
  public imageTagVerdict(tag: string, settings: TagMutabilitySettings | undefined): string | undefined {
    const key = JSON.stringify([tag, settings ?? null]);
    if (this.verdicts.has(key)) return this.verdicts.get(key);
    const id = `R${this.count++}`;
    let repository: ecr.IRepository;
    if (settings) {
      const created = new ecr.Repository(this.root, id);
      const cfn = created.node.defaultChild as ecr.CfnRepository;
      cfn.imageTagMutability = settings.mode;
      cfn.imageTagMutabilityExclusionFilters = settings.filters.map(f => ({
        imageTagMutabilityExclusionFilterType: 'WILDCARD',
        imageTagMutabilityExclusionFilterValue: f,
      }));
      repository = created;
    } else {
      repository = ecr.Repository.fromRepositoryName(this.root, id, 'unknown');
    }
    let verdict: string | undefined;
    try {
      ImageReference.fromRepository(repository, { tag });
    } catch (e) {
      const text = (e as Error).message;
      verdict = libraryOnly(text.slice(text.indexOf(': ') + 2));
    }
    this.verdicts.set(key, verdict);
    return verdict;
  }

  /**
   * The root-user verdict of `TaggedImageTaskDefinition` (root or 0, as user or group, is refused):
   * the rule lives in its constructor, so the adapter builds one in the scratch app per distinct
   * user value. Returns the refusal, if any.
   */
  public rootUserVerdict(user: string): string | undefined {
    const key = JSON.stringify(['user', user]);
    if (this.verdicts.has(key)) return this.verdicts.get(key);
    const id = `T${this.count++}`;
    let verdict: string | undefined;
    try {
      const repository = ecr.Repository.fromRepositoryName(this.root, `${id}Repository`, 'unknown');
      new TaggedImageTaskDefinition(this.root, id, { image: ImageReference.fromRepository(repository, { tag: 'v1' }), user });
    } catch (e) {
      const text = (e as Error).message;
      if (/\broot\b/.test(text)) verdict = libraryOnly(text.slice(text.indexOf(': ') + 2));
    }
    this.verdicts.set(key, verdict);
    return verdict;
  }

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
