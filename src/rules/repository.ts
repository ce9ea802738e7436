import { RuleDefinition, Violation, violation } from './rule';
import {
  MAX_MUTABILITY_FILTERS,
  MUTABILITY_FILTER_PATTERN,
  MUTABILITY_FILTER_RULE,
  REPOSITORY_NAME_PATTERN,
  REPOSITORY_NAME_RULE,
} from '../private/ecr-rules';
import { isUnresolved } from '../private/validate';

export const REPOSITORY_NAME: RuleDefinition = {
  id: 'ECRB-REPO-NAME',
  level: 'error',
  description: 'repository names are 2-256 characters of lowercase segments',
  source: 'ECR API reference, CreateRepository repositoryName (length 2-256, pattern)',
};

export const TAG_MUTABILITY: RuleDefinition = {
  id: 'ECRB-REPO-TAG-MUTABILITY',
  level: 'error',
  description: 'tag mutability is one of the four modes; 1-5 unique exclusion filters of [0-9a-zA-Z._*-]{1,128}, only with the *_WITH_EXCLUSION modes',
  source: 'ECR API reference, ImageTagMutabilityExclusionFilter (filter: 1-128, ^[0-9a-zA-Z._*-]{1,128}$; list: 1-5 members); PutImageTagMutability',
};

export const ENCRYPTION: RuleDefinition = {
  id: 'ECRB-REPO-ENCRYPTION',
  level: 'error',
  description: 'encryption is AES256, KMS or KMS_DSSE; a key only with KMS, and in the repository\'s region',
  source: 'ECR API reference, EncryptionConfiguration (kmsKey: "The key must exist in the same Region as the repository")',
};

export const MUTABLE_TAGS: RuleDefinition = {
  id: 'ECRB-REPO-MUTABLE-TAGS',
  level: 'warning',
  description: 'mutable tags (immutableTags: false) let a push replace the image a tag names',
  source: 'Security Hub ECR.2 (tag immutability configured), Control Tower CT.ECR.PR.3',
};

export const NO_SCAN_ON_PUSH: RuleDefinition = {
  id: 'ECRB-REPO-NO-SCAN',
  level: 'warning',
  description: 'scanOnPush: false leaves images unscanned unless a registry scanning configuration covers them',
  source: 'Security Hub ECR.1 (image scanning configured), Control Tower CT.ECR.PR.2',
};

export const NO_LIFECYCLE_POLICY: RuleDefinition = {
  id: 'ECRB-REPO-NO-LIFECYCLE',
  level: 'warning',
  description: 'lifecycleRules: [] means no lifecycle policy: images accumulate forever',
  source: 'Security Hub ECR.3 (at least one lifecycle policy), Control Tower CT.ECR.PR.1',
};

const MODES = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];

/** A repository name (ECRB-REPO-NAME). Tokens pass. */
export function checkRepositoryName(property: string, name: string | undefined): Violation[] {
  if (name === undefined || isUnresolved(name)) return [];
  if (name.length < 2 || name.length > 256) {
    return [violation(REPOSITORY_NAME, property, name, `must be 2-256 characters long (got ${name.length})`)];
  }
  if (!new RegExp(`^(?:${REPOSITORY_NAME_PATTERN.source})$`).test(name)) {
    return [violation(REPOSITORY_NAME, property, name, REPOSITORY_NAME_RULE)];
  }
  return [];
}

/** Tag mutability settings, as a repository or a creation template carries them. */
export interface TagMutabilityInput {
  /** `ImageTagMutability`; undefined means MUTABLE (the ECR default). */
  readonly mode?: string;
  /** The exclusion filter values. */
  readonly filters?: readonly string[];
  /** How the filters are named to the user (`mutableTags`, `ImageTagMutabilityExclusionFilters`). */
  readonly filtersProperty?: string;
  /** How the mode is named to the user. */
  readonly modeProperty?: string;
}

/** Tag mutability mode and exclusion filters (ECRB-REPO-TAG-MUTABILITY). Tokens pass. */
export function checkTagMutability(input: TagMutabilityInput): Violation[] {
  const modeProperty = input.modeProperty ?? 'imageTagMutability';
  const property = input.filtersProperty ?? 'imageTagMutabilityExclusionFilters';
  const mode = input.mode ?? 'MUTABLE';
  const filters = input.filters ?? [];
  if (isUnresolved(mode)) return [];
  if (!MODES.includes(mode)) return [violation(TAG_MUTABILITY, modeProperty, mode, `must be one of ${MODES.join(', ')}`)];
  if (isUnresolved(filters)) return [];
  const withExclusion = mode.endsWith('_WITH_EXCLUSION');
  if (!withExclusion && filters.length) {
    return [violation(TAG_MUTABILITY, property, filters, `exclusion filters only apply with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION (the mode is ${mode})`)];
  }
  if (withExclusion && (filters.length < 1 || filters.length > MAX_MUTABILITY_FILTERS)) {
    return [violation(TAG_MUTABILITY, property, filters, `${mode} takes 1-${MAX_MUTABILITY_FILTERS} exclusion filters (got ${filters.length})`)];
  }
  const seen = new Set<string>();
  for (const filter of filters) {
    if (isUnresolved(filter)) continue;
    if (!new RegExp(`^(?:${MUTABILITY_FILTER_PATTERN.source})$`).test(filter)) {
      return [violation(TAG_MUTABILITY, property, filter, MUTABILITY_FILTER_RULE)];
    }
    if (seen.has(filter)) return [violation(TAG_MUTABILITY, property, filters, `entries must be unique (${JSON.stringify(filter)} appears more than once)`)];
    seen.add(filter);
  }
  return [];
}

/** The region of a KMS key ARN (`arn:<partition>:kms:<region>:...`); undefined for tokens, ids and aliases. */
export function kmsKeyRegion(keyArn: string | undefined): string | undefined {
  if (keyArn === undefined || isUnresolved(keyArn)) return undefined;
  const match = /^arn:[a-z-]+:kms:([a-z0-9-]+):/.exec(keyArn);
  return match?.[1];
}

/** Encryption settings of a repository or a creation template. */
export interface EncryptionInput {
  /** `EncryptionType`; undefined means AES256 (the ECR default). */
  readonly encryptionType?: string;
  /** The key as the user gave it (an ARN, an id, or a token). */
  readonly kmsKey?: string;
  /** The key's region, when known (from its ARN or its stack); otherwise read from `kmsKey`. */
  readonly keyRegion?: string;
  /** The repository's region, when known. */
  readonly region?: string;
  /** How the key is named to the user. */
  readonly keyProperty?: string;
}

/** Encryption type and key (ECRB-REPO-ENCRYPTION). Tokens and unknown regions pass. */
export function checkEncryption(input: EncryptionInput): Violation[] {
  const keyProperty = input.keyProperty ?? 'encryptionKey';
  const type = input.encryptionType ?? 'AES256';
  if (isUnresolved(type)) return [];
  if (!['AES256', 'KMS', 'KMS_DSSE'].includes(type)) {
    return [violation(ENCRYPTION, 'encryptionType', type, 'must be one of AES256, KMS, KMS_DSSE')];
  }
  if (input.kmsKey === undefined) return [];
  if (type === 'AES256') {
    return [violation(ENCRYPTION, keyProperty, input.kmsKey, 'a key needs KMS or KMS_DSSE encryption (encryption is AES256)')];
  }
  const keyRegion = input.keyRegion !== undefined && !isUnresolved(input.keyRegion) ? input.keyRegion : kmsKeyRegion(input.kmsKey);
  const region = input.region;
  if (keyRegion !== undefined && region !== undefined && !isUnresolved(region) && keyRegion !== region) {
    return [violation(ENCRYPTION, keyProperty, input.kmsKey,
      `ECR needs the key in the repository's region (${region}), it is in ${keyRegion}`)];
  }
  return [];
}

/** `immutableTags: false` (ECRB-REPO-MUTABLE-TAGS, a warning) for the mode a repository renders. */
export function checkTagsImmutable(property: string, mode: string | undefined): Violation[] {
  const value = mode ?? 'MUTABLE';
  if (isUnresolved(value) || !value.startsWith('MUTABLE')) return [];
  return [violation(MUTABLE_TAGS, property, value,
    'tags can be moved to other images, so a deployed tag may run different code tomorrow; ' +
    'fails Security Hub ECR.2 and Control Tower CT.ECR.PR.3 (set immutableTags: true, with mutableTags for the few tags that must move)')];
}

/** `scanOnPush: false` (ECRB-REPO-NO-SCAN, a warning). */
export function checkScanOnPush(property: string, scanOnPush: boolean | undefined): Violation[] {
  if (scanOnPush === true || isUnresolved(scanOnPush)) return [];
  return [violation(NO_SCAN_ON_PUSH, property, scanOnPush ?? false,
    'images are not scanned on push unless a registry scanning configuration covers the repository; ' +
    'fails Security Hub ECR.1 and Control Tower CT.ECR.PR.2 (set scanOnPush: true or configure registry scanning)')];
}

/** No lifecycle policy (ECRB-REPO-NO-LIFECYCLE, a warning). */
export function checkHasLifecyclePolicy(property: string, hasPolicy: boolean): Violation[] {
  if (hasPolicy) return [];
  return [violation(NO_LIFECYCLE_POLICY, property, [],
    'the repository has no lifecycle policy, so images accumulate forever; ' +
    'fails Security Hub ECR.3 and Control Tower CT.ECR.PR.1 (keep the default rules or give some)')];
}
