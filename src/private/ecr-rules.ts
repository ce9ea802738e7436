/**
 * ECR and AWS naming rules shared by the validators (from the ECR API reference and user guide).
 */

/** Repository name: 2-256 characters, lowercase segments separated by `.`, `_`, `__`, `-` runs, and `/`. */
export const REPOSITORY_NAME_PATTERN = /[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*/;
export const REPOSITORY_NAME_RULE = 'repository names are 2-256 characters of lowercase letters, digits, and single separators (., _, __, -) between them, with / between path segments';

/** Image tag (Docker grammar): 1-128 characters, letters, digits, `_`, `.`, `-`, not starting with `.` or `-`. */
export const IMAGE_TAG_PATTERN = /[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/;
export const IMAGE_TAG_RULE = 'image tags are 1-128 characters of letters, digits, _, . and -, and cannot start with . or -';

/** Image digest as ECR reports it. */
export const IMAGE_DIGEST_PATTERN = /sha256:[a-f0-9]{64}/;
export const IMAGE_DIGEST_RULE = 'digests are "sha256:" followed by 64 lowercase hexadecimal characters';

/** Tag mutability exclusion filter (WILDCARD type). */
export const MUTABILITY_FILTER_PATTERN = /[0-9a-zA-Z._*-]{1,128}/;
export const MUTABILITY_FILTER_RULE = 'mutable tag filters are 1-128 characters of letters, digits, ., _, - and the * wildcard';
export const MAX_MUTABILITY_FILTERS = 5;

/** AWS account id. */
export const ACCOUNT_PATTERN = /\d{12}/;
export const ACCOUNT_RULE = 'account ids are exactly 12 digits';

/** AWS region name (commercial, China, GovCloud, ISO partitions). */
export const REGION_PATTERN = /(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|eu-isoe|us-isof)-[a-z]+-\d{1,2}/;
export const REGION_RULE = 'region names look like "eu-west-1"';

/**
 * Lifecycle policy limits (user guide: lifecycle policy properties, archiving an image; API: PutLifecyclePolicy).
 */
/** Most `*` wildcards ECR accepts in one tag pattern. */
export const LIFECYCLE_MAX_WILDCARDS = 4;
/** Archived images are kept at least this many days; no lifecycle rule deletes them sooner. */
export const LIFECYCLE_ARCHIVE_MINIMUM_DAYS = 90;
/** Bounds on the lifecycle policy text (PutLifecyclePolicy `lifecyclePolicyText`). */
export const LIFECYCLE_POLICY_MIN_CHARS = 100;
export const LIFECYCLE_POLICY_MAX_CHARS = 30_720;
/** ECR's quota of rules per lifecycle policy. */
export const LIFECYCLE_MAX_RULES = 50;
