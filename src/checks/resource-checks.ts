/**
 * The checks per CloudFormation resource type: each reads the resource's properties from the
 * synthesized template and hands the concrete values to the library's rule functions (src/rules,
 * or adapters.ts where a rule still lives in a construct). A value that is an intrinsic where a rule
 * needs it gives one ECRB-UNRESOLVED warning instead: never a false error.
 *
 * Extension point: `RESOURCE_CHECKS` maps a resource type to its check. Resource types the library
 * adds later (`AWS::ECR::SigningConfiguration`, `AWS::ECR::PublicRepository`,
 * `AWS::ECR::PullTimeUpdateExclusion`) add an entry there.
 *
 * Internal: not part of the jsii API.
 */
import { Scratch, TagMutabilitySettings } from './adapters';
import * as C from './catalog';
import type { CheckRule } from './catalog';
import type { Finding, SynthesizedStack } from './finding';
import { ImageUri, parseImage } from './image-uri';
import { holdsIntrinsic, isIntrinsic, jsonDocument, resourceKey, resourcesOf, TemplateResource } from './stack-model';
import { checkLifecyclePolicyText } from '../lifecycle/policy-reading';
import { TagMutabilityKnowledge, tagMutabilityFromSettings } from '../private/tag-mutability';
import { message, refusal } from '../private/validate';
import * as rules from '../rules';
import type { Violation } from '../rules';
import { checkResourcePolicy, ResourcePolicyKind } from '../rules/resource-policy';

/** What a check can see besides its resource. */
export interface CheckContext {
  readonly scratch: Scratch;
  /** Every resource of the app by stack path and logical id. */
  readonly byLogicalId: ReadonlyMap<string, TemplateResource>;
  /** Repositories of the app with a literal name, by `<account>/<region>/<name>` of their stack. */
  readonly repositoriesByName: ReadonlyMap<string, TemplateResource>;
  /** Stack paths of the stacks that hold a registry scanning configuration. */
  readonly scanningEnvironments: ReadonlySet<string>;
}

export type ResourceCheck = (resource: TemplateResource, context: CheckContext) => Finding[];

/** Where a resource is, for messages: its construct path, or the stack path and logical id. */
export function whereOf(resource: TemplateResource): string {
  return resource.constructPath ?? `${resource.stack.constructPath}/${resource.logicalId}`;
}

function key(stack: SynthesizedStack, logicalId: string): string {
  return resourceKey(stack.constructPath, logicalId);
}

function envOf(stack: SynthesizedStack): string {
  return `${stack.account ?? '?'}/${stack.region ?? '?'}`;
}

/** A finding of `rule` (the rule's severity, unless `severity` says otherwise). */
export function finding(rule: CheckRule, resource: TemplateResource, property: string, value: unknown, text: string,
  severity = rule.severity): Finding {
  return {
    ruleId: rule.id,
    severity,
    stack: resource.stack.constructPath,
    templatePath: resource.stack.templatePath,
    logicalId: resource.logicalId,
    constructPath: resource.constructPath,
    property,
    value,
    message: text,
    source: rule.source,
    fix: rule.fix,
  };
}

/** Findings of the violations a rule function of src/rules returned. */
function fromViolations(resource: TemplateResource, property: string, violations: readonly Violation[]): Finding[] {
  return violations.map(v => {
    const rule = C.checkRule(v.ruleId) ?? { id: v.ruleId, severity: v.level, description: '', source: '', fix: '' };
    return finding(rule, resource, property, v.value, message(whereOf(resource), v.property, v.value, v.rule), v.level);
  });
}

function fromMessages(rule: CheckRule, resource: TemplateResource, property: string, value: unknown, messages: readonly string[]): Finding[] {
  return messages.map(m => finding(rule, resource, property, value, m));
}

function unresolved(resource: TemplateResource, property: string, value: unknown, skipped: CheckRule): Finding {
  return finding(C.UNRESOLVED, resource, property, value,
    `${whereOf(resource)}: ${property} is a CloudFormation intrinsic, known only at deployment, so ${skipped.id} was not checked`);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** Tag mutability mode and filter values, or the property that holds an intrinsic. */
function mutabilitySettings(properties: Record<string, any>): TagMutabilitySettings | { intrinsic: string } {
  const mode = properties.ImageTagMutability ?? 'MUTABLE';
  if (isIntrinsic(mode)) return { intrinsic: 'ImageTagMutability' };
  const raw = properties.ImageTagMutabilityExclusionFilters ?? [];
  if (holdsIntrinsic(raw) || !Array.isArray(raw)) return { intrinsic: 'ImageTagMutabilityExclusionFilters' };
  return { mode: String(mode), filters: raw.map((f: any) => String(f?.ImageTagMutabilityExclusionFilterValue)) };
}

function checkMutability(resource: TemplateResource): { findings: Finding[]; settings?: TagMutabilitySettings } {
  const settings = mutabilitySettings(resource.properties);
  if ('intrinsic' in settings) {
    return { findings: [unresolved(resource, settings.intrinsic, resource.properties[settings.intrinsic], C.TAG_MUTABILITY)] };
  }
  const violations = rules.checkTagMutability({
    mode: settings.mode,
    filters: settings.filters,
    modeProperty: 'ImageTagMutability',
    filtersProperty: 'ImageTagMutabilityExclusionFilters',
  });
  return { findings: fromViolations(resource, 'ImageTagMutability', violations), settings: violations.length ? undefined : settings };
}

function checkEncryption(resource: TemplateResource, config: any, property: string): Finding[] {
  if (config === undefined) return [];
  if (holdsIntrinsic(config?.EncryptionType)) return [unresolved(resource, `${property}.EncryptionType`, config.EncryptionType, C.ENCRYPTION)];
  const kmsKey = config?.KmsKey;
  // A key given by Ref / GetAtt is known only at deployment; the type is still checked.
  const literalKey = str(kmsKey);
  return fromViolations(resource, `${property}.KmsKey`, rules.checkEncryption({
    encryptionType: str(config?.EncryptionType),
    kmsKey: literalKey ?? (kmsKey !== undefined ? '(an intrinsic)' : undefined),
    keyRegion: literalKey ? rules.kmsKeyRegion(literalKey) : undefined,
    region: resource.stack.region,
    keyProperty: `${property}.KmsKey`,
  }));
}

function checkLifecycleText(resource: TemplateResource, property: string, text: unknown): Finding[] {
  if (text === undefined) return [];
  if (typeof text !== 'string') return [unresolved(resource, property, text, C.LIFECYCLE_POLICY)];
  // Exactly LifecyclePolicy.fromJson's verdict, as violations.
  return fromViolations(resource, property, checkLifecyclePolicyText(text, property));
}

function checkPolicy(resource: TemplateResource, property: string, raw: unknown, rule: CheckRule): Finding[] {
  if (raw === undefined) return [];
  const document = jsonDocument(raw);
  if (isIntrinsic(document) || typeof document !== 'object' || document === null || isIntrinsic((document as any).Statement)) {
    return [unresolved(resource, property, raw, rule)];
  }
  const name = resource.properties.RepositoryName;
  const subject = typeof name === 'string' ? name
    : resource.type === 'AWS::ECR::RepositoryCreationTemplate' ? `the repositories created by the template for prefix ${resource.properties.Prefix}`
      : `the repository ${whereOf(resource)}`;
  // The same reading as SecureRepository and the creation templates: src/rules/resource-policy.ts.
  return checkResourcePolicy(document, { kind: ResourcePolicyKind.REPOSITORY, subject }).map(f => {
    const where = `${property} ${f.property}${f.sid ? ` (statement ${f.sid})` : ''}`;
    return f.level === 'error'
      ? finding(rule, resource, property, raw, message(whereOf(resource), where, f.value, f.rule))
      : finding(C.UNRESOLVED, resource, property, raw, message(whereOf(resource), where, f.value, f.rule).replace(': invalid ', ': cannot check '));
  });
}

const checkRepository: ResourceCheck = (resource, context) => {
  const p = resource.properties;
  const out: Finding[] = [];
  if (p.RepositoryName !== undefined && typeof p.RepositoryName !== 'string') {
    out.push(unresolved(resource, 'RepositoryName', p.RepositoryName, C.REPO_NAME));
  } else {
    out.push(...fromViolations(resource, 'RepositoryName', rules.checkRepositoryName('RepositoryName', p.RepositoryName)));
  }
  const mutability = checkMutability(resource);
  out.push(...mutability.findings);
  if (mutability.settings) {
    out.push(...fromViolations(resource, 'ImageTagMutability', rules.checkTagsImmutable('ImageTagMutability', mutability.settings.mode)));
  }
  out.push(...checkEncryption(resource, p.EncryptionConfiguration, 'EncryptionConfiguration'));
  const scanOnPush = p.ImageScanningConfiguration?.ScanOnPush;
  if (!isIntrinsic(scanOnPush) && !context.scanningEnvironments.has(envOf(resource.stack))) {
    out.push(...fromViolations(resource, 'ImageScanningConfiguration.ScanOnPush',
      rules.checkScanOnPush('ImageScanningConfiguration.ScanOnPush', scanOnPush === true || scanOnPush === 'true')));
  }
  if (!isIntrinsic(p.LifecyclePolicy)) {
    const text = p.LifecyclePolicy?.LifecyclePolicyText;
    out.push(...fromViolations(resource, 'LifecyclePolicy', rules.checkHasLifecyclePolicy('LifecyclePolicy', text !== undefined)));
    out.push(...checkLifecycleText(resource, 'LifecyclePolicy.LifecyclePolicyText', text));
  }
  out.push(...checkPolicy(resource, 'RepositoryPolicyText', p.RepositoryPolicyText, C.REPO_POLICY));
  return out;
};

const checkScanning: ResourceCheck = (resource) => {
  const p = resource.properties;
  if (holdsIntrinsic(p.ScanType) || holdsIntrinsic(p.Rules)) return [unresolved(resource, 'Rules', p.Rules, C.REGISTRY_SCANNING)];
  const scanRules = list(p.Rules).map((r: any) => ({
    frequency: String(r?.ScanFrequency),
    filters: list(r?.RepositoryFilters).map((f: any) => String(f?.Filter)),
  }));
  return fromViolations(resource, 'Rules', rules.checkRegistryScanning(String(p.ScanType), scanRules, 'Rules'));
};

const checkReplication: ResourceCheck = (resource) => {
  const config = resource.properties.ReplicationConfiguration;
  if (holdsIntrinsic(config)) return [unresolved(resource, 'ReplicationConfiguration', config, C.REPLICATION)];
  const replicationRules = list(config?.Rules).map((r: any) => ({
    destinations: list(r?.Destinations).map((d: any) => ({ region: String(d?.Region), registryId: String(d?.RegistryId) })),
    filters: list(r?.RepositoryFilters).map((f: any) => String(f?.Filter)),
  }));
  return fromViolations(resource, 'ReplicationConfiguration.Rules',
    rules.checkReplication(resource.stack.account, resource.stack.region, replicationRules, 'ReplicationConfiguration'));
};

/** The name of a Secrets Manager secret a template value points at: a literal ARN, or a Ref to a secret of the stack. */
function secretName(value: unknown, stack: SynthesizedStack, context: CheckContext): string | undefined {
  if (typeof value === 'string') return /:secret:(.+)$/.exec(value)?.[1];
  const ref = (value as any)?.Ref;
  if (typeof ref !== 'string') return undefined;
  const secret = context.byLogicalId.get(key(stack, ref));
  return secret?.type === 'AWS::SecretsManager::Secret' ? str(secret.properties.Name) : undefined;
}

const checkPullThroughCache: ResourceCheck = (resource, context) => {
  const p = resource.properties;
  const out: Finding[] = [];
  if (p.EcrRepositoryPrefix !== undefined && typeof p.EcrRepositoryPrefix !== 'string') {
    out.push(unresolved(resource, 'EcrRepositoryPrefix', p.EcrRepositoryPrefix, C.PULL_THROUGH_CACHE));
  } else {
    out.push(...fromViolations(resource, 'EcrRepositoryPrefix', rules.checkPullThroughCachePrefix('EcrRepositoryPrefix', p.EcrRepositoryPrefix)));
  }
  if (p.CredentialArn !== undefined) {
    out.push(...fromViolations(resource, 'CredentialArn',
      rules.checkPullThroughCredentialName('CredentialArn secret name', secretName(p.CredentialArn, resource.stack, context))));
  }
  out.push(...fromViolations(resource, 'Type', rules.checkPullThroughCacheRegion('stack region', resource.stack.region)));
  return out;
};

const checkCreationTemplate: ResourceCheck = (resource) => {
  const p = resource.properties;
  const out: Finding[] = [];
  if (p.Prefix !== undefined && typeof p.Prefix !== 'string') {
    out.push(unresolved(resource, 'Prefix', p.Prefix, C.CREATION_TEMPLATE));
  } else {
    out.push(...fromViolations(resource, 'Prefix', rules.checkTemplatePrefix('Prefix', p.Prefix)));
  }
  if (holdsIntrinsic(p.AppliedFor)) {
    out.push(unresolved(resource, 'AppliedFor', p.AppliedFor, C.CREATION_TEMPLATE));
  } else {
    out.push(...fromViolations(resource, 'AppliedFor', rules.checkTemplateAppliedFor('AppliedFor', list(p.AppliedFor).map(String))));
  }
  const tags: Record<string, string> = {};
  for (const t of list(p.ResourceTags)) if (typeof t?.Key === 'string') tags[t.Key] = String(t.Value ?? '');
  out.push(...fromViolations(resource, 'Description', rules.checkTemplateDescriptionAndTags(str(p.Description), tags)));
  out.push(...checkMutability(resource).findings);
  const kmsKey = str(p.EncryptionConfiguration?.KmsKey);
  if (kmsKey !== undefined) {
    out.push(...fromViolations(resource, 'EncryptionConfiguration.KmsKey',
      rules.checkTemplateKey('EncryptionConfiguration.KmsKey', kmsKey, rules.kmsKeyRegion(kmsKey), resource.stack.region)));
  }
  out.push(...checkLifecycleText(resource, 'LifecyclePolicy', p.LifecyclePolicy));
  out.push(...checkPolicy(resource, 'RepositoryPolicy', p.RepositoryPolicy, C.CREATION_TEMPLATE));
  return out;
};

const checkRegistryPolicy: ResourceCheck = (resource, context) => {
  const raw = resource.properties.PolicyText;
  if (raw === undefined) return [];
  const document = jsonDocument(raw);
  if (isIntrinsic(document) || typeof document !== 'object' || document === null || isIntrinsic((document as any).Statement)) {
    return [unresolved(resource, 'PolicyText', raw, C.REGISTRY_POLICY)];
  }
  return fromMessages(C.REGISTRY_POLICY, resource, 'PolicyText', raw,
    context.scratch.registryPolicyViolations(whereOf(resource), document, resource.stack.account, resource.stack.region));
};

function concreteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The repository of the app an image comes from: by `Ref` in the same template, or by its name in
 * the image URI, among the repositories of the same account and region.
 */
function repositoryOfImage(stack: SynthesizedStack, image: ImageUri, context: CheckContext): TemplateResource | undefined {
  for (const ref of image.refs) {
    const resource = context.byLogicalId.get(key(stack, ref));
    if (resource?.type === 'AWS::ECR::Repository') return resource;
  }
  if (image.ecrRepositoryName === undefined) return undefined;
  const env = `${image.ecrAccount ?? stack.account ?? '?'}/${image.ecrRegion ?? stack.region ?? '?'}`;
  return context.repositoriesByName.get(`${env}/${image.ecrRepositoryName}`);
}

function checkImage(resource: TemplateResource, index: number, image: unknown, context: CheckContext): Finding[] {
  const property = `ContainerDefinitions[${index}].Image`;
  const parsed = parseImage(image);
  if (parsed.kind === 'digest') return [];
  if (parsed.kind === 'unresolved') return [unresolved(resource, property, image, C.ECS_LATEST)];
  const tag = parsed.kind === 'none' ? 'latest' : parsed.tag!;
  const syntax = rules.checkImageTag(`container ${index} image tag`, tag);
  if (syntax.length) return fromViolations(resource, property, syntax);
  const repository = repositoryOfImage(resource.stack, parsed, context);
  const s = repository ? mutabilitySettings(repository.properties) : undefined;
  const settings = s && !('intrinsic' in s) ? s : undefined;
  const mutability = settings ? tagMutabilityFromSettings(settings.mode, settings.filters, tag) : TagMutabilityKnowledge.UNKNOWN;
  const [refused] = rules.checkDeployedTag('tag', tag, mutability);
  if (!refused) {
    // Accepted with known settings means the repository keeps this tag on one image.
    return fromViolations(resource, property, rules.checkLatestTag(`container ${index} image tag`, tag, settings !== undefined, false));
  }
  const rule = parsed.kind === 'none' ? C.ECS_NO_TAG : tag === 'latest' ? C.ECS_LATEST : C.ECS_MUTABLE_TAG;
  const from = repository ? ` (repository ${whereOf(repository)})` : '';
  const detail = parsed.kind === 'none' ? 'the image has no tag, so it is pulled as latest; ' : '';
  return [finding(rule, resource, property, image, `${whereOf(resource)}: container ${index}${from}: ${detail}${refusal(refused.property, refused.value, refused.rule)}`)];
}

const checkTaskDefinition: ResourceCheck = (resource, context) => {
  const p = resource.properties;
  const out: Finding[] = [];
  const fargate = Array.isArray(p.RequiresCompatibilities) && p.RequiresCompatibilities.includes('FARGATE');
  const cpu = concreteNumber(p.Cpu);
  const memory = concreteNumber(p.Memory);
  if (fargate && p.Cpu !== undefined && p.Memory !== undefined) {
    if (cpu === undefined || memory === undefined) {
      out.push(unresolved(resource, cpu === undefined ? 'Cpu' : 'Memory', cpu === undefined ? p.Cpu : p.Memory, C.FARGATE_TASK_SIZE));
    } else {
      out.push(...fromViolations(resource, 'Memory', rules.checkFargateTaskSize(cpu, memory, 'Cpu', 'Memory')));
    }
  }
  const containers = p.ContainerDefinitions;
  if (!Array.isArray(containers)) {
    if (containers !== undefined) out.push(unresolved(resource, 'ContainerDefinitions', containers, C.ECS_LATEST));
    return out;
  }
  if (memory !== undefined) {
    out.push(...fromViolations(resource, 'ContainerDefinitions', rules.checkContainerMemory(memory, containers.map((c: any, i: number) => ({
      name: str(c?.Name) ?? String(i),
      memory: concreteNumber(c?.Memory),
      memoryReservation: concreteNumber(c?.MemoryReservation),
    })))));
  }
  containers.forEach((c: any, i: number) => {
    if (!c || typeof c !== 'object' || isIntrinsic(c)) return;
    const name = str(c.Name) ? ` (${c.Name})` : '';
    if (c.Image !== undefined) out.push(...checkImage(resource, i, c.Image, context));
    if (typeof c.User === 'string') {
      for (const root of rules.checkRootUser('user', c.User)) {
        out.push(finding(C.ECS_ROOT_USER, resource, `ContainerDefinitions[${i}].User`, c.User,
          `${whereOf(resource)}: container ${i}${name}: ${refusal(root.property, root.value, root.rule)}`));
      }
    }
    if (c.ReadonlyRootFilesystem !== true && c.ReadonlyRootFilesystem !== 'true' && !isIntrinsic(c.ReadonlyRootFilesystem)) {
      out.push(finding(C.ECS_READONLY_ROOT, resource, `ContainerDefinitions[${i}].ReadonlyRootFilesystem`, c.ReadonlyRootFilesystem,
        `${whereOf(resource)}: container ${i}${name} can write to its root filesystem`));
    }
  });
  return out;
};

/** The check of each resource type (the extension point for resource types added later). */
export const RESOURCE_CHECKS: ReadonlyMap<string, ResourceCheck> = new Map([
  ['AWS::ECR::Repository', checkRepository],
  ['AWS::ECR::RegistryScanningConfiguration', checkScanning],
  ['AWS::ECR::ReplicationConfiguration', checkReplication],
  ['AWS::ECR::PullThroughCacheRule', checkPullThroughCache],
  ['AWS::ECR::RepositoryCreationTemplate', checkCreationTemplate],
  ['AWS::ECR::RegistryPolicy', checkRegistryPolicy],
  ['AWS::ECS::TaskDefinition', checkTaskDefinition],
]);

/** Runs every resource check over the stacks of the app. */
export function checkResources(stacks: readonly SynthesizedStack[], paths?: () => ReadonlyMap<string, string>): Finding[] {
  const resources = resourcesOf(stacks, paths);
  const byLogicalId = new Map<string, TemplateResource>();
  const repositoriesByName = new Map<string, TemplateResource>();
  const scanningEnvironments = new Set<string>();
  for (const r of resources) {
    byLogicalId.set(key(r.stack, r.logicalId), r);
    if (r.type === 'AWS::ECR::Repository' && typeof r.properties.RepositoryName === 'string') {
      repositoriesByName.set(`${envOf(r.stack)}/${r.properties.RepositoryName}`, r);
    }
    if (r.type === 'AWS::ECR::RegistryScanningConfiguration') scanningEnvironments.add(envOf(r.stack));
  }
  const context: CheckContext = { scratch: new Scratch(), byLogicalId, repositoriesByName, scanningEnvironments };
  const out: Finding[] = [];
  for (const resource of resources) {
    const check = RESOURCE_CHECKS.get(resource.type);
    if (check) out.push(...check(resource, context));
  }
  return out;
}
