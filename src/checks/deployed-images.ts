import { Finding, SynthesizedStack } from './finding';
import { LifecycleRule } from '../lifecycle/lifecycle-rule';
import { readLifecyclePolicyText } from '../lifecycle/policy-reading';
import { ruleThatCanAct } from '../lifecycle/protection';
import { flattenTemplateValue, hasPlaceholder, parseImageUri, ParsedImageUri, placeholder, placeholders } from '../private/image-uri';

/** Rule ids of the deployed-image analysis. */
export const DEPLOYED_IMAGE_EXPIRES = 'ECRB-DEPLOYED-IMAGE-EXPIRES';
export const DEPLOYED_IMAGE_UNDECIDED = 'ECRB-DEPLOYED-IMAGE-UNDECIDED';

const SOURCE = 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html#lifecycle_policy_evaluation';

/** Where a lifecycle policy lives: a repository of the app, or a creation template of a registry of the app. */
interface PolicyHolder {
  readonly stack: SynthesizedStack;
  readonly logicalId: string;
  readonly label: string;
  readonly account: string;
  readonly region: string;
  /** Repository name (repositories) or prefix (templates), when concrete. */
  readonly name?: string;
  readonly template: boolean;
  /** The policy text; undefined without a policy, null when it holds unresolved values. */
  readonly text: string | undefined | null;
}

interface Consumer {
  readonly stack: SynthesizedStack;
  readonly logicalId: string;
  readonly constructPath?: string;
  readonly kind: string;
  readonly container?: string;
  readonly property: string;
  readonly image: unknown;
}

/**
 * The app-wide deployed-image check (invariant 2 of the design): for every container of every ECS
 * task definition, every Lambda container image and every CodeBuild image of the app whose image
 * lives in a repository the app defines (`AWS::ECR::Repository` of any construct, found by logical
 * id, cross-stack export, or by name in the same account and region) or in a repository a creation
 * template of the app creates (replication, pull-through cache, create-on-push), decides whether a
 * rule of that lifecycle policy can expire or archive the image.
 *
 * - error `ECRB-DEPLOYED-IMAGE-EXPIRES`: a rule can act on it (named by priority and description),
 *   with the fix; an image by digest alone counts as untagged unless a protection rule names the digest;
 * - warning `ECRB-DEPLOYED-IMAGE-UNDECIDED`: the tag, or the policy text, is unresolved at synth.
 *
 * Stacks without a concrete account or region are taken to be deployed to the same environment as
 * the other environment-agnostic stacks of the app (the CLI's default).
 *
 * @param stacks every stack of the synthesized app
 */
export function analyzeDeployedImages(stacks: readonly SynthesizedStack[]): Finding[] {
  const holders = stacks.flatMap(policyHolders);
  const exports = exportedRefs(stacks);
  const findings: Finding[] = [];
  for (const consumer of stacks.flatMap(consumers)) {
    const flat = flattenTemplateValue(consumer.image);
    const uri = flat === undefined ? undefined : parseImageUri(flat);
    if (!uri) continue;
    const holder = findHolder(consumer, uri, holders, exports);
    if (!holder || holder.text === undefined) continue;
    const finding = decide(consumer, uri, flat!, holder);
    if (finding) findings.push(finding);
  }
  return findings;
}

function envOf(stack: SynthesizedStack): { account: string; region: string } {
  return { account: stack.account ?? placeholder('agnostic'), region: stack.region ?? placeholder('agnostic') };
}

function policyHolders(stack: SynthesizedStack): PolicyHolder[] {
  const out: PolicyHolder[] = [];
  const env = envOf(stack);
  for (const [logicalId, resource] of Object.entries<any>(stack.template?.Resources ?? {})) {
    const p = resource?.Properties ?? {};
    const label = resource?.Metadata?.['aws:cdk:path'] ?? `${stack.constructPath}/${logicalId}`;
    const text = (v: unknown) => v === undefined ? undefined : typeof v === 'string' ? v : null;
    if (resource?.Type === 'AWS::ECR::Repository') {
      out.push({
        stack,
        logicalId,
        label,
        ...env,
        template: false,
        name: typeof p.RepositoryName === 'string' ? p.RepositoryName : undefined,
        text: text(p.LifecyclePolicy?.LifecyclePolicyText),
      });
    } else if (resource?.Type === 'AWS::ECR::RepositoryCreationTemplate') {
      out.push({
        stack,
        logicalId,
        label,
        ...env,
        template: true,
        name: typeof p.Prefix === 'string' ? p.Prefix : undefined,
        text: text(p.LifecyclePolicy),
      });
    }
  }
  return out;
}

/** Export name → [stack, logical id] for outputs that export a `Ref` or `Fn::GetAtt` of a resource. */
function exportedRefs(stacks: readonly SynthesizedStack[]): Map<string, [SynthesizedStack, string]> {
  const out = new Map<string, [SynthesizedStack, string]>();
  for (const stack of stacks) {
    for (const output of Object.values<any>(stack.template?.Outputs ?? {})) {
      const name = output?.Export?.Name;
      const id = output?.Value?.Ref ?? output?.Value?.['Fn::GetAtt']?.[0];
      if (typeof name === 'string' && typeof id === 'string') out.set(name, [stack, id]);
    }
  }
  return out;
}

function consumers(stack: SynthesizedStack): Consumer[] {
  const out: Consumer[] = [];
  for (const [logicalId, resource] of Object.entries<any>(stack.template?.Resources ?? {})) {
    const p = resource?.Properties ?? {};
    const base = { stack, logicalId, constructPath: resource?.Metadata?.['aws:cdk:path'] };
    switch (resource?.Type) {
      case 'AWS::ECS::TaskDefinition':
        (Array.isArray(p.ContainerDefinitions) ? p.ContainerDefinitions : []).forEach((d: any, i: number) => out.push({
          ...base,
          kind: 'task definition',
          container: typeof d?.Name === 'string' ? d.Name : undefined,
          property: `ContainerDefinitions[${i}].Image`,
          image: d?.Image,
        }));
        break;
      case 'AWS::Lambda::Function':
        if (p.Code?.ImageUri !== undefined) out.push({ ...base, kind: 'function', property: 'Code.ImageUri', image: p.Code.ImageUri });
        break;
      case 'AWS::CodeBuild::Project':
        if (p.Environment?.Image !== undefined) out.push({ ...base, kind: 'project', property: 'Environment.Image', image: p.Environment.Image });
        break;
    }
  }
  return out;
}

/** The repository (or template) whose lifecycle policy applies to the image, if the app defines it. */
function findHolder(consumer: Consumer, uri: ParsedImageUri, holders: PolicyHolder[],
  exports: Map<string, [SynthesizedStack, string]>): PolicyHolder | undefined {
  // By reference: a Ref / GetAtt of a repository in the consumer's stack, or an import of one's export.
  for (const label of placeholders(uri.repositoryName)) {
    const ref = /^Ref:(.+)$|^Fn::GetAtt:\["([^"]+)"|^Fn::ImportValue:"([^"]+)"$/.exec(label);
    if (!ref) continue;
    const [stack, id] = ref[3] !== undefined ? exports.get(ref[3]) ?? [undefined, undefined] : [consumer.stack, ref[1] ?? ref[2]];
    const holder = holders.find(h => !h.template && h.stack === stack && h.logicalId === id);
    if (holder) return holder;
  }
  if (hasPlaceholder(uri.repositoryName)) return undefined;
  // By name, in the same account and region.
  const env = envOf(consumer.stack);
  const account = uri.account === placeholder('Ref:AWS::AccountId') ? env.account : uri.account;
  const region = uri.region === placeholder('Ref:AWS::Region') ? env.region : uri.region;
  const here = holders.filter(h => h.account === account && h.region === region);
  const repository = here.find(h => !h.template && h.name === uri.repositoryName);
  if (repository) return repository;
  // A repository ECR creates: the template of the longest prefix that covers the name, else ROOT.
  const templates = here.filter(h => h.template && h.name !== undefined);
  const covering = templates.filter(h => h.name !== 'ROOT' && uri.repositoryName.startsWith(`${h.name}/`))
    .sort((a, b) => b.name!.length - a.name!.length);
  return covering[0] ?? templates.find(h => h.name === 'ROOT');
}

/** Parsed rules per policy text: many images share one repository. Undefined when the text is not a valid policy. */
const parsed = new WeakMap<PolicyHolder, LifecycleRule[] | undefined>();
function rulesOf(holder: PolicyHolder): LifecycleRule[] | undefined {
  if (!parsed.has(holder)) {
    const rules = readLifecyclePolicyText(holder.text!).rules;
    parsed.set(holder, rules ? [...rules] : undefined);
  }
  return parsed.get(holder);
}

function decide(consumer: Consumer, uri: ParsedImageUri, flat: string, holder: PolicyHolder): Finding | undefined {
  const where = describeConsumer(consumer);
  const finding = (ruleId: string, severity: 'error' | 'warning', message: string, fix?: string): Finding => ({
    ruleId,
    severity,
    stack: consumer.stack.constructPath,
    templatePath: consumer.stack.templatePath,
    logicalId: consumer.logicalId,
    constructPath: consumer.constructPath,
    property: consumer.property,
    value: flat,
    message,
    source: SOURCE,
    fix,
  });
  const repositoryName = hasPlaceholder(uri.repositoryName) ? holder.name ?? holder.logicalId : uri.repositoryName;
  const image = `${repositoryName}${uri.tag !== undefined ? `:${uri.tag}` : ''}${uri.digest !== undefined ? `@${uri.digest}` : ''}`;
  const policyOf = `the lifecycle policy of ${holder.template ? 'the creation template' : 'the repository'} ${holder.label}`;
  if (holder.text === null) {
    return finding(DEPLOYED_IMAGE_UNDECIDED, 'warning', `${where}: cannot tell whether ${policyOf} expires the image ${image}: the policy text holds values only known at deploy time`);
  }
  const rules = rulesOf(holder);
  if (!rules) {
    // Values only known at deploy time, serialized into the text (aws-cdk-lib's ecr.Repository does
    // that with a token in lifecycleRules): undecidable. Otherwise the policy is invalid, which is the
    // lifecycle checks' finding, not this one.
    if (!/"(Ref|Fn::[A-Za-z]+)"\s*:/.test(holder.text!)) return undefined;
    return finding(DEPLOYED_IMAGE_UNDECIDED, 'warning', `${where}: cannot tell whether ${policyOf} expires the image ${image}: the policy text holds values only known at deploy time`);
  }
  let tag = uri.tag;
  if (uri.digest !== undefined && !hasPlaceholder(uri.digest)) {
    // A digest is covered by the protection rule that names it (SecureRepository.protectDigest);
    // pulled by digest through a cache or as a replica, the image is seen without a tag.
    const named = rules.find(r => r.description?.includes(`digest ${uri.digest}`) && r.tagPatternList?.length === 1);
    if (named) tag = named.tagPatternList![0];
    else if (holder.template) tag = undefined;
  }
  if (tag !== undefined && hasPlaceholder(tag)) {
    return finding(DEPLOYED_IMAGE_UNDECIDED, 'warning', `${where}: the image tag of ${repositoryName} is only known at deploy time, ` +
      `so it cannot be protected from ${policyOf}`, 'use a tag known at synth time');
  }
  const byDigest = tag === undefined;
  // An image known by digest alone may carry any tag in a repository: any rule that selects some tag can act.
  const rule = ruleThatCanAct(rules, tag) ?? (byDigest && !holder.template ? ruleThatCanAct(rules, '⟨any tag⟩') : undefined);
  if (!rule) return undefined;
  return finding(DEPLOYED_IMAGE_EXPIRES, 'error',
    `${where}: rule ${rule.priority} "${rule.description ?? `${rule.tagStatus} ${rule.countType} ${rule.countNumber}`}" of ${policyOf} can ` +
    `${rule.action === 'transition' ? 'archive' : 'expire'} the deployed image ${image}` +
    (byDigest ? ', which it sees without a tag (deployed by digest alone)' : ''),
    byDigest
      ? 'give the tag that names the digest (ImageReference with tag and digest, or SecureRepository.protectDigest), or remove the rule'
      : holder.template
        ? `protect the tag in the template (RepositoryCreationTemplate.protectTag("${tag}")), or manage the repository with a SecureRepository`
        : `use a SecureRepository or ContainerRegistry.addRepository (they protect deployed tags), or put a rule ahead of rule ${rule.priority} ` +
          `that selects exactly this tag and never fires (tagPatternList ["${tag}"], imageCountMoreThan 1)`);
}

function describeConsumer(consumer: Consumer): string {
  const path = consumer.constructPath ?? `${consumer.stack.constructPath}/${consumer.logicalId}`;
  return `${consumer.kind} ${path}${consumer.container !== undefined ? `, container ${consumer.container}` : ''}`;
}
