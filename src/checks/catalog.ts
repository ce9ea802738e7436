/**
 * The rules `EcrBlueprintsChecks` reports: a stable id (what acknowledgements name), the severity,
 * what the rule checks, the AWS text it comes from and the usual fix. Most are the library's rules
 * of src/rules (their definitions are used as they are); the ones below are the two policy rules
 * (the registry policy's implementation is still \`ContainerRegistry\`, reached through
 * adapters.ts), and the plugin's own. README ("Check any CDK app") has the same table.
 * Internal: not part of the jsii API.
 */
import type { FindingSeverity } from './finding';
import * as rules from '../rules';
import type { RuleDefinition } from '../rules';
import { DEPLOYED_IMAGE_EXPIRES as DEPLOYED_IMAGE_EXPIRES_ID, DEPLOYED_IMAGE_UNDECIDED as DEPLOYED_IMAGE_UNDECIDED_ID } from './deployed-images';

export interface CheckRule {
  readonly id: string;
  readonly severity: FindingSeverity;
  /** What the rule checks, in one sentence. */
  readonly description: string;
  /** The AWS documentation the rule enforces. */
  readonly source: string;
  /** How to fix a finding, in one sentence. */
  readonly fix: string;
}

function own(id: string, severity: FindingSeverity, description: string, source: string, fix: string): CheckRule {
  return { id, severity, description, source, fix };
}

function library(definition: RuleDefinition, fix: string): CheckRule {
  return { id: definition.id, severity: definition.level, description: definition.description, source: definition.source, fix };
}

// ---- the library's rules of src/rules, as the plugin applies them ----
export const REPO_NAME = library(rules.REPOSITORY_NAME,
  'rename the repository: lowercase letters, digits, single ., _, __ or - separators, / between segments');
export const TAG_MUTABILITY = library(rules.TAG_MUTABILITY,
  'use IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION with 1-5 valid filters, or drop the filters');
export const ENCRYPTION = library(rules.ENCRYPTION,
  'use a KMS key of the repository\'s region with EncryptionType KMS (or KMS_DSSE)');
export const MUTABLE_TAGS = library(rules.MUTABLE_TAGS,
  'set ImageTagMutability to IMMUTABLE (ecr.TagMutability.IMMUTABLE), with exclusion filters for the few tags that must move');
export const NO_SCAN = library(rules.NO_SCAN_ON_PUSH,
  'set ImageScanningConfiguration.ScanOnPush (imageScanOnPush: true) or add a registry scanning configuration');
export const NO_LIFECYCLE = library(rules.NO_LIFECYCLE_POLICY,
  'add lifecycle rules, for example expire untagged images after 14 days and keep the newest 100 tagged images');
export const LIFECYCLE_RULE = library(rules.LIFECYCLE_RULE,
  'correct the field of the lifecycle rule the message names');
export const LIFECYCLE_POLICY = library(rules.LIFECYCLE_POLICY,
  'make the rules fit together as the message says (priorities, one any rule last, distinct tag lists, size)');
export const LIFECYCLE_TEXT = library(rules.LIFECYCLE_POLICY_TEXT,
  'write the lifecycle policy JSON in the documented shape (the field the message names)');
export const REGION_NAME = library(rules.REGION_NAME, 'use a region name of the partition, for example eu-west-1');
export const REGION_UNLISTED = library(rules.REGION_UNLISTED, 'check the region name; upgrade aws-cdk-lib if the region is new');
export const PARTITION_RESOURCE = library(rules.PARTITION_RESOURCE, 'remove the resource from stacks of that region');
export const REGISTRY_SCANNING = library(rules.REGISTRY_SCANNING,
  'use ScanType ENHANCED for continuous scanning, or SCAN_ON_PUSH with BASIC; fix the filter the message names');
export const REPLICATION = library(rules.REPLICATION, 'fix the destination or filter the message names');
export const PULL_THROUGH_CACHE = library(rules.PULL_THROUGH_CACHE,
  'use a prefix of 2-30 lowercase characters (or ROOT), and a credential secret named ecr-pullthroughcache/...');
export const CREATION_TEMPLATE = library(rules.CREATION_TEMPLATE, 'fix the property the message names');
export const FARGATE_TASK_SIZE = library(rules.FARGATE_TASK_SIZE, 'pick a memory value the message lists for the cpu, or another cpu');
export const CONTAINER_MEMORY = library(rules.CONTAINER_MEMORY, 'lower the container memory, or raise the task memory');
export const IMAGE_TAG = library(rules.IMAGE_TAG, 'fix the tag or digest of the image');
export const LATEST_FROM_IMMUTABLE = library(rules.LATEST_FROM_IMMUTABLE, 'deploy a version tag or a digest');
export const ECS_LATEST = library(rules.ECS_LATEST, 'deploy an immutable tag (a version or commit id) or a digest');
export const ECS_NO_TAG = library(rules.ECS_NO_TAG, 'add an immutable tag or a digest to the image');
export const ECS_MUTABLE_TAG = library(rules.ECS_MUTABLE_TAG, 'make the repository\'s tags immutable, or deploy a digest');
export const ECS_ROOT_USER = library(rules.ECS_ROOT_USER, 'run as a non-root user, for example 1000:1000');

// ---- the policy rules: the repository policy reads through src/rules/resource-policy.ts, the registry policy through adapters.ts ----
export const REPO_POLICY = own('ECRB-REPO-POLICY', 'error',
  'repository policy statements name their principals; a * principal or NotPrincipal in an Allow only with a condition that provably bounds it to named organizations or accounts (an equality operator on aws:PrincipalOrgID, aws:PrincipalAccount or aws:PrincipalOrgPaths with concrete values); no Resource',
  'ECR user guide, private repository policies; IAM JSON policy elements (Principal, NotPrincipal, condition operators)',
  'name the accounts or roles, or bound the * principal with StringEquals on aws:PrincipalOrgID; drop Resource from the statement');
export const REGISTRY_POLICY = own('ECRB-REGISTRY-POLICY', 'error',
  'registry policy statements name their principals (a * principal only when a condition provably bounds it to named organizations or accounts), use ecr: actions and name repositories of this registry; at most 10,240 characters',
  'ECR user guide, private registry permissions; ECR API reference, PutRegistryPolicy',
  'name the accounts, keep to ecr: actions, and name repository ARNs of the registry\'s account and region');

// ---- the plugin's own rules ----
export const ECS_READONLY_ROOT = own('ECRB-ECS-READONLY-ROOT', 'warning',
  'a container without ReadonlyRootFilesystem: true can write to its root filesystem',
  'AWS Security Hub ECS.5 (containers limited to read-only access to root filesystems)',
  'set ReadonlyRootFilesystem: true (readonlyRootFilesystem) and mount volumes where the app writes');
export const UNRESOLVED = own('ECRB-UNRESOLVED', 'warning',
  'a value a rule needs is a CloudFormation intrinsic, known only at deployment, so that rule was not checked',
  'AWS CDK developer guide, tokens',
  'nothing to fix; give a concrete value where the rule matters');
export const DEPLOYED_IMAGE_EXPIRES = own(DEPLOYED_IMAGE_EXPIRES_ID, 'error',
  'an image a task definition, Lambda function or CodeBuild project of the app deploys can be expired or archived by a lifecycle rule of a repository (or creation template) of the app',
  'ECR user guide, lifecycle policy evaluation rules; Amazon ECS developer guide, task definition image parameter',
  'protect the tag (SecureRepository.protectTag, or a rule that keeps it), deploy it through ImageReference, or change the rule the message names');
export const DEPLOYED_IMAGE_UNDECIDED = own(DEPLOYED_IMAGE_UNDECIDED_ID, 'warning',
  'whether a lifecycle rule can act on a deployed image cannot be decided at synth (the tag or the policy text is a token)',
  'AWS CDK developer guide, tokens',
  'give the tag and the lifecycle rules as values known at synth');
export const ACK_REASON = own('ECRB-ACK-REASON', 'error',
  'an acknowledgement of an EcrBlueprintsChecks rule gives a reason',
  'aws-cdk-lib Validations.acknowledge (Acknowledgment.reason)',
  'give a specific reason in Validations.of(scope).acknowledge({ id, reason })');

/** Every rule the plugin reports, in the order of the README table. */
export const CHECK_RULES: readonly CheckRule[] = [
  REPO_NAME, TAG_MUTABILITY, ENCRYPTION, MUTABLE_TAGS, NO_SCAN, NO_LIFECYCLE, LIFECYCLE_RULE, LIFECYCLE_POLICY, LIFECYCLE_TEXT, REPO_POLICY,
  REGISTRY_SCANNING, REPLICATION, REGION_NAME, REGION_UNLISTED, PULL_THROUGH_CACHE, PARTITION_RESOURCE, CREATION_TEMPLATE, REGISTRY_POLICY,
  ECS_LATEST, ECS_NO_TAG, ECS_MUTABLE_TAG, IMAGE_TAG, LATEST_FROM_IMMUTABLE, FARGATE_TASK_SIZE, CONTAINER_MEMORY,
  ECS_ROOT_USER, ECS_READONLY_ROOT, DEPLOYED_IMAGE_EXPIRES, DEPLOYED_IMAGE_UNDECIDED, UNRESOLVED, ACK_REASON,
];

const BY_ID = new Map(CHECK_RULES.map(r => [r.id, r]));

/** The rule of an id, for the fix and source of a finding. */
export function checkRule(id: string): CheckRule | undefined {
  return BY_ID.get(id);
}
