/**
 * Registry-wide ECR rules shared by the registry constructs (ECR API reference, ECR user guide and
 * the CloudFormation resource schemas of AWS::ECR::*).
 */

/** The special prefix of creation templates and pull-through cache rules that matches every repository. */
export const ROOT_PREFIX = 'ROOT';

/**
 * Repository namespace prefix of creation templates and pull-through cache rules: repository-name
 * segments, an optional trailing `/` (ECR always assumes one), or `ROOT`.
 */
export const NAMESPACE_PREFIX_PATTERN = /ROOT|[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?/;
export const PULL_THROUGH_PREFIX_RULE = 'pull-through cache prefixes are ROOT or 2-30 characters of lowercase repository-name segments (letters, digits, single ., _, __, - separators, / between segments)';
export const TEMPLATE_PREFIX_RULE = 'creation template prefixes are ROOT or 1-256 characters of lowercase repository-name segments (letters, digits, single ., _, __, - separators, / between segments)';
export const PULL_THROUGH_PREFIX_MIN = 2;
export const PULL_THROUGH_PREFIX_MAX = 30;
export const TEMPLATE_PREFIX_MAX = 256;

/** Replication repository filter (PREFIX_MATCH). */
export const REPLICATION_FILTER_PATTERN = /(?:[a-z0-9]+(?:[._-][a-z0-9]*)*\/)*[a-z0-9]*(?:[._-][a-z0-9]*)*/;
export const REPLICATION_FILTER_RULE = 'replication prefixes are lowercase letters, digits, ., _, - and /, starting each segment with a letter or digit';
export const REPLICATION_FILTER_MIN = 2;
export const REPLICATION_FILTER_MAX = 256;
/** ECR quotas of a replication configuration. */
export const MAX_REPLICATION_RULES = 10;
export const MAX_REPLICATION_DESTINATIONS = 25;
export const MAX_REPLICATION_FILTERS = 100;

/** Registry scanning repository filter (WILDCARD). */
export const SCAN_FILTER_PATTERN = /[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*/;
export const SCAN_FILTER_RULE = 'scanning filters are 1-255 characters of lowercase letters, digits, ., _, -, / and the * wildcard, starting and ending with a letter, digit or *';
export const SCAN_FILTER_MAX_LENGTH = 255;
export const MAX_SCAN_RULES = 2;
export const MAX_SCAN_FILTERS = 100;

/** Pull-through cache credentials must live in secrets whose name starts with this. */
export const PULL_THROUGH_SECRET_PREFIX = 'ecr-pullthroughcache/';

/** Azure Container Registry names: 5-50 alphanumeric characters. */
export const AZURE_REGISTRY_NAME_PATTERN = /[a-zA-Z0-9]{5,50}/;
export const AZURE_REGISTRY_NAME_RULE = 'Azure Container Registry names are 5-50 letters or digits (the part before .azurecr.io)';

/** Registry policy text limit (AWS::ECR::RegistryPolicy). */
export const MAX_REGISTRY_POLICY_CHARS = 10_240;
/** Repository policy text limit of a creation template. */
export const MAX_TEMPLATE_REPOSITORY_POLICY_CHARS = 10_240;
export const MAX_TEMPLATE_DESCRIPTION_CHARS = 256;
export const MAX_TEMPLATE_TAGS = 50;

/** The service-linked role that pull-through cache uses to read credentials and import images. */
export const PULL_THROUGH_CACHE_SERVICE_ROLE = 'aws-service-role/pullthroughcache.ecr.amazonaws.com/AWSServiceRoleForECRPullThroughCache';

/**
 * The `repository/...` resource of an ARN that covers every repository under a namespace prefix
 * (`team-a` covers `team-a/*`; `ROOT` covers every repository).
 */
export function prefixResource(prefix: string): string {
  if (prefix === ROOT_PREFIX) return '*';
  return `${prefix.replace(/\/$/, '')}/*`;
}

/** Option keys that pick what a template applies to rather than what it sets. */
const TEMPLATE_SELECTION_KEYS = ['appliedFor', 'id', 'registry', 'prefix'];

/**
 * Whether creation template options carry settings of their own (anything besides the prefix and
 * scenarios), as opposed to asking for the registry's baseline.
 */
export function hasOwnSettings(options: object): boolean {
  return Object.entries(options).some(([key, value]) => value !== undefined && !TEMPLATE_SELECTION_KEYS.includes(key));
}
