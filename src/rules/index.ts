/*
 * Every rule of the library, once: data (id, level, description, AWS source) plus one pure function
 * over plain data that returns violations `{ ruleId, level, property, value, rule }`. Constructs
 * call the functions where values arrive (`throwViolations` / `applyViolations` in
 * src/private/validate.ts); the app-wide checks (src/checks) call them over template properties.
 * Internal: not exported from src/index.ts. docs/validation.md lists them all.
 *
 * Functions (all skip unresolved tokens, so nothing is rejected falsely):
 * - region: checkRegionName(property, region), checkResourceInRegion(property, resourceType, region),
 *   partitionOf(region)
 * - repository: checkRepositoryName(property, name), checkTagMutability({ mode, filters }),
 *   checkEncryption({ encryptionType, kmsKey, keyRegion?, region }), kmsKeyRegion(arn),
 *   checkTagsImmutable(property, mode) [warning], checkScanOnPush(property, scanOnPush) [warning],
 *   checkHasLifecyclePolicy(property, hasPolicy) [warning]
 * - registry: checkRegistryScanning(scanType, rules), checkReplication(account, region, rules),
 *   checkPullThroughCachePrefix, checkPullThroughCredentialName, checkPullThroughCacheRegion,
 *   checkTemplatePrefix, checkTemplateAppliedFor, checkTemplateDescriptionAndTags, checkTemplateKey
 * - ecs: checkFargateTaskSize(cpu, memory), checkContainerMemory(taskMemory, containers),
 *   checkImageTag, checkImageDigest, checkLatestTag(property, tag, immutable, protecting) [warning],
 *   checkDeployedTag(property, tag, mutability), checkRootUser(property, user)
 * - lifecycle: the data is in ./lifecycle; the function is `checkLifecyclePolicyText(text)` in
 *   src/lifecycle/policy-reading.ts (it is `LifecyclePolicy.fromJson`, one layer up)
 */
import * as ecs from './ecs';
import * as lifecycle from './lifecycle';
import * as region from './region';
import * as registry from './registry';
import * as repository from './repository';
import { RuleDefinition } from './rule';

export * from './ecs';
export * from './lifecycle';
export * from './region';
export * from './registry';
export * from './repository';
export * from './rule';

function definitions(module: Record<string, unknown>): RuleDefinition[] {
  return Object.values(module).filter((v): v is RuleDefinition =>
    typeof v === 'object' && v !== null && 'id' in v && 'level' in v && 'source' in v);
}

/** Every rule, for docs/validation.md and for the checks plugin's `ruleIds`. */
export const ALL_RULES: readonly RuleDefinition[] = [
  ...definitions(region), ...definitions(repository), ...definitions(lifecycle), ...definitions(registry), ...definitions(ecs),
];
