import { checkRegionName, checkResourceInRegion } from './region';
import { RuleDefinition, Violation, violation } from './rule';
import { ACCOUNT_PATTERN, ACCOUNT_RULE } from '../private/ecr-rules';
import {
  MAX_REPLICATION_DESTINATIONS,
  MAX_REPLICATION_FILTERS,
  MAX_REPLICATION_RULES,
  MAX_SCAN_FILTERS,
  MAX_SCAN_RULES,
  MAX_TEMPLATE_DESCRIPTION_CHARS,
  MAX_TEMPLATE_TAGS,
  NAMESPACE_PREFIX_PATTERN,
  PULL_THROUGH_PREFIX_MAX,
  PULL_THROUGH_PREFIX_MIN,
  PULL_THROUGH_PREFIX_RULE,
  PULL_THROUGH_SECRET_PREFIX,
  REPLICATION_FILTER_MAX,
  REPLICATION_FILTER_MIN,
  REPLICATION_FILTER_PATTERN,
  REPLICATION_FILTER_RULE,
  SCAN_FILTER_MAX_LENGTH,
  SCAN_FILTER_PATTERN,
  SCAN_FILTER_RULE,
  TEMPLATE_PREFIX_MAX,
  TEMPLATE_PREFIX_RULE,
} from '../private/registry-rules';
import { isUnresolved } from '../private/validate';

export const REGISTRY_SCANNING: RuleDefinition = {
  id: 'ECRB-REGISTRY-SCANNING',
  level: 'error',
  description: 'registry scanning is BASIC or ENHANCED, at most 2 rules, CONTINUOUS_SCAN only with ENHANCED, 1-100 filters per rule of the WILDCARD grammar',
  source: 'ECR API reference, PutRegistryScanningConfiguration, RegistryScanningRule, ScanningRepositoryFilter',
};

export const REPLICATION: RuleDefinition = {
  id: 'ECRB-REPLICATION',
  level: 'error',
  description: 'replication: at most 10 rules and 25 unique destinations, known regions, 12-digit registry ids, not the source itself, 1-100 PREFIX_MATCH filters per rule',
  source: 'ECR API reference, ReplicationConfiguration, ReplicationDestination, RepositoryFilter; ECR user guide, private image replication (quotas)',
};

export const PULL_THROUGH_CACHE: RuleDefinition = {
  id: 'ECRB-PULL-THROUGH-CACHE',
  level: 'error',
  description: 'pull-through cache: prefix ROOT or 2-30 characters of repository-name segments; credentials in a secret named ecr-pullthroughcache/...',
  source: 'ECR API reference, CreatePullThroughCacheRule (ecrRepositoryPrefix, credentialArn)',
};

export const CREATION_TEMPLATE: RuleDefinition = {
  id: 'ECRB-CREATION-TEMPLATE',
  level: 'error',
  description: 'creation templates: prefix ROOT or 1-256 characters, 1-3 unique scenarios, description at most 256 characters, at most 50 tags (no aws: keys), a full key ARN in the registry\'s region',
  source: 'ECR API reference, CreateRepositoryCreationTemplate (prefix, appliedFor, description, resourceTags, encryptionConfiguration.kmsKey)',
};

const anchored = (pattern: RegExp) => new RegExp(`^(?:${pattern.source})$`);

/** One registry scanning rule, as plain data. */
export interface ScanningRuleInput {
  readonly frequency: string;
  readonly filters: readonly string[];
}

/** A registry scanning configuration (ECRB-REGISTRY-SCANNING). Tokens pass. */
export function checkRegistryScanning(scanType: string, rules: readonly ScanningRuleInput[], property = 'scanning'): Violation[] {
  const v = (p: string, value: unknown, rule: string) => [violation(REGISTRY_SCANNING, p, value, rule)];
  if (!isUnresolved(scanType) && !['BASIC', 'ENHANCED'].includes(scanType)) return v(`${property} scanType`, scanType, 'must be BASIC or ENHANCED');
  if (isUnresolved(rules)) return [];
  if (rules.length > MAX_SCAN_RULES) return v(`${property} rules`, rules, `must have 0-${MAX_SCAN_RULES} entries (got ${rules.length})`);
  for (const rule of rules) {
    if (!isUnresolved(rule.frequency) && !['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'].includes(rule.frequency)) {
      return v(`${property} frequency`, rule.frequency, 'must be SCAN_ON_PUSH or CONTINUOUS_SCAN');
    }
    if (scanType === 'BASIC' && rule.frequency === 'CONTINUOUS_SCAN') {
      return v(`${property} frequency`, rule.frequency, 'continuous scanning needs ENHANCED scanning (Amazon Inspector); BASIC scanning only scans on push');
    }
    if (isUnresolved(rule.filters)) continue;
    if (rule.filters.length === 0) {
      return v(`${property} repositoryFilters`, rule.filters,
        'a scanning rule without filters selects no repository; use "*" for every repository or leave the rule out');
    }
    if (rule.filters.length > MAX_SCAN_FILTERS) {
      return v(`${property} repositoryFilters`, rule.filters, `must have 1-${MAX_SCAN_FILTERS} entries (got ${rule.filters.length})`);
    }
    for (const filter of rule.filters) {
      if (isUnresolved(filter)) continue;
      if (filter.length < 1 || filter.length > SCAN_FILTER_MAX_LENGTH) {
        return v(`${property} repository filter`, filter, `must be 1-${SCAN_FILTER_MAX_LENGTH} characters long (got ${filter.length})`);
      }
      if (!anchored(SCAN_FILTER_PATTERN).test(filter)) return v(`${property} repository filter`, filter, SCAN_FILTER_RULE);
    }
  }
  return [];
}

/** One replication destination. */
export interface ReplicationDestinationInput {
  readonly region: string;
  readonly registryId: string;
}

/** One replication rule: its destinations and its PREFIX_MATCH filters (none: every repository). */
export interface ReplicationRuleInput {
  readonly destinations: readonly ReplicationDestinationInput[];
  readonly filters: readonly string[];
}

/** A replication configuration (ECRB-REPLICATION, and ECRB-REGION-NAME for the regions). Tokens pass. */
export function checkReplication(sourceAccount: string | undefined, sourceRegion: string | undefined,
  rules: readonly ReplicationRuleInput[], property = 'replication'): Violation[] {
  const v = (p: string, value: unknown, rule: string) => [violation(REPLICATION, p, value, rule)];
  if (rules.length > MAX_REPLICATION_RULES) {
    return v(`${property} rules`, rules.length,
      `ECR accepts at most ${MAX_REPLICATION_RULES} replication rules (one per distinct set of repository prefixes); share prefix sets between destinations`);
  }
  const unique = new Set<string>();
  const found: Violation[] = [];
  for (const rule of rules) {
    for (const d of rule.destinations) {
      unique.add(`${d.registryId}/${d.region}`);
      const region = checkRegionName(`${property} destination region`, d.region);
      if (region.some(r => r.level === 'error')) return region;
      found.push(...region);
      if (!isUnresolved(d.registryId) && !anchored(ACCOUNT_PATTERN).test(d.registryId)) {
        return v(`${property} destination account`, d.registryId, ACCOUNT_RULE);
      }
      if (d.region === sourceRegion && d.registryId === sourceAccount) {
        return v(`${property} destination`, `${d.registryId}/${d.region}`, 'the destination is the source registry itself; replication needs another region or account');
      }
    }
    if (rule.filters.length > MAX_REPLICATION_FILTERS) {
      return v(`${property} repositoryPrefixes`, rule.filters, `must have 0-${MAX_REPLICATION_FILTERS} entries (got ${rule.filters.length})`);
    }
    const seen = new Set<string>();
    for (const filter of rule.filters) {
      if (isUnresolved(filter)) continue;
      if (seen.has(filter)) return v(`${property} repositoryPrefixes`, rule.filters, `entries must be unique (${JSON.stringify(filter)} appears more than once)`);
      seen.add(filter);
      if (filter.length < REPLICATION_FILTER_MIN || filter.length > REPLICATION_FILTER_MAX) {
        return v(`${property} repositoryPrefix`, filter, `must be ${REPLICATION_FILTER_MIN}-${REPLICATION_FILTER_MAX} characters long (got ${filter.length})`);
      }
      if (!anchored(REPLICATION_FILTER_PATTERN).test(filter)) return v(`${property} repositoryPrefix`, filter, REPLICATION_FILTER_RULE);
    }
  }
  if (unique.size > MAX_REPLICATION_DESTINATIONS) {
    return v(`${property} destinations`, unique.size, `ECR accepts at most ${MAX_REPLICATION_DESTINATIONS} unique destinations across all replication rules`);
  }
  return found;
}

/** The namespace prefix of a pull-through cache rule (ECRB-PULL-THROUGH-CACHE). Tokens pass. */
export function checkPullThroughCachePrefix(property: string, prefix: string | undefined): Violation[] {
  if (prefix === undefined || isUnresolved(prefix)) return [];
  if (prefix.length < PULL_THROUGH_PREFIX_MIN || prefix.length > PULL_THROUGH_PREFIX_MAX) {
    return [violation(PULL_THROUGH_CACHE, property, prefix,
      `must be ${PULL_THROUGH_PREFIX_MIN}-${PULL_THROUGH_PREFIX_MAX} characters long (got ${prefix.length})`)];
  }
  if (!anchored(NAMESPACE_PREFIX_PATTERN).test(prefix)) return [violation(PULL_THROUGH_CACHE, property, prefix, PULL_THROUGH_PREFIX_RULE)];
  return [];
}

/** The credential secret name of a pull-through cache rule (ECRB-PULL-THROUGH-CACHE). Tokens pass. */
export function checkPullThroughCredentialName(property: string, secretName: string | undefined): Violation[] {
  if (secretName === undefined || isUnresolved(secretName)) return [];
  if (!secretName.startsWith(PULL_THROUGH_SECRET_PREFIX)) {
    return [violation(PULL_THROUGH_CACHE, property, secretName,
      `ECR only reads pull-through cache credentials from secrets whose name starts with "${PULL_THROUGH_SECRET_PREFIX}"`)];
  }
  return [];
}

/** `AWS::ECR::PullThroughCacheRule` in a region that has it (ECRB-PARTITION-RESOURCE). */
export function checkPullThroughCacheRegion(property: string, region: string | undefined): Violation[] {
  return checkResourceInRegion(property, 'AWS::ECR::PullThroughCacheRule', region);
}

/** The namespace prefix of a creation template (ECRB-CREATION-TEMPLATE). Tokens pass. */
export function checkTemplatePrefix(property: string, prefix: string | undefined): Violation[] {
  if (prefix === undefined || isUnresolved(prefix)) return [];
  if (prefix.length < 1 || prefix.length > TEMPLATE_PREFIX_MAX) {
    return [violation(CREATION_TEMPLATE, property, prefix, `must be 1-${TEMPLATE_PREFIX_MAX} characters long (got ${prefix.length})`)];
  }
  if (!anchored(NAMESPACE_PREFIX_PATTERN).test(prefix)) return [violation(CREATION_TEMPLATE, property, prefix, TEMPLATE_PREFIX_RULE)];
  return [];
}

const SCENARIOS = ['REPLICATION', 'PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'];

/** The scenarios of a creation template (ECRB-CREATION-TEMPLATE). */
export function checkTemplateAppliedFor(property: string, appliedFor: readonly string[]): Violation[] {
  if (isUnresolved(appliedFor)) return [];
  const v = (value: unknown, rule: string) => [violation(CREATION_TEMPLATE, property, value, rule)];
  if (appliedFor.length < 1 || appliedFor.length > 3) return v(appliedFor, `must have 1-3 entries (got ${appliedFor.length})`);
  const seen = new Set<string>();
  for (const scenario of appliedFor) {
    if (isUnresolved(scenario)) continue;
    if (!SCENARIOS.includes(scenario)) return v(scenario, 'templates apply to REPLICATION, PULL_THROUGH_CACHE or CREATE_ON_PUSH');
    if (seen.has(scenario)) return v(appliedFor, `entries must be unique (${JSON.stringify(scenario)} appears more than once)`);
    seen.add(scenario);
  }
  return [];
}

/** The description and tags of a creation template (ECRB-CREATION-TEMPLATE). Tokens pass. */
export function checkTemplateDescriptionAndTags(description: string | undefined, tags: Readonly<Record<string, string>>): Violation[] {
  const v = (p: string, value: unknown, rule: string) => [violation(CREATION_TEMPLATE, p, value, rule)];
  if (description !== undefined && !isUnresolved(description) && description.length > MAX_TEMPLATE_DESCRIPTION_CHARS) {
    return v('description', description, `must be 0-${MAX_TEMPLATE_DESCRIPTION_CHARS} characters long (got ${description.length})`);
  }
  const keys = Object.keys(tags);
  if (keys.length > MAX_TEMPLATE_TAGS) return v('resourceTags', keys, `a template holds at most ${MAX_TEMPLATE_TAGS} tags (got ${keys.length})`);
  for (const key of keys) {
    if (isUnresolved(key)) continue;
    if (key.length < 1 || key.length > 128) return v('resourceTags key', key, `must be 1-128 characters long (got ${key.length})`);
    const value = tags[key];
    if (!isUnresolved(value) && value.length > 256) return v(`resourceTags value of ${key}`, value, `must be 0-256 characters long (got ${value.length})`);
    if (key.toLowerCase().startsWith('aws:')) return v('resourceTags key', key, 'tag keys starting with "aws:" are reserved for AWS');
  }
  return [];
}

/**
 * The key of a creation template (ECRB-CREATION-TEMPLATE): a full key ARN (the API model's pattern),
 * in the registry's region. Tokens pass.
 */
export function checkTemplateKey(property: string, keyArn: string | undefined, keyRegion: string | undefined,
  region: string | undefined): Violation[] {
  if (keyArn === undefined) return [];
  if (keyRegion !== undefined && !isUnresolved(keyRegion) && region !== undefined && !isUnresolved(region) && keyRegion !== region) {
    return [violation(CREATION_TEMPLATE, property, keyArn, `the key must be in the registry's region (${region}), it is in ${keyRegion}`)];
  }
  // An alias ARN is refused even when parts of it are tokens (an alias made in the app).
  if (keyArn.includes(':alias/') || (!isUnresolved(keyArn) && !/^arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-z0-9-]+$/.test(keyArn))) {
    return [violation(CREATION_TEMPLATE, property, keyArn,
      'creation templates need the full key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias or key id')];
  }
  return [];
}
