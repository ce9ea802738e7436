/**
 * ECR managed signing, ECR Public and pull-time update exclusion limits, from the ECR and ECR Public
 * API references, the CloudFormation resource schemas and the user guides (where they disagree, the
 * stricter documented value, with both named).
 */

/**
 * Signing rules per registry. The ECR API reference (`SigningConfiguration.rules`) and the user guide
 * ("Managed signing": up to 10 per registry) say 10; the CloudFormation schema of
 * `AWS::ECR::SigningConfiguration` says 50. The stricter, documented 10 is enforced.
 */
export const MAX_SIGNING_RULES = 10;
/** Repository filters per signing rule (API `SigningRule.repositoryFilters`: 1-100 when given). */
export const MAX_SIGNING_FILTERS = 100;
/** API `SigningRepositoryFilter.filter`: 1-256 characters, repository-name segments with `*` wildcards. */
export const SIGNING_FILTER_PATTERN = /(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*\/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*/;
export const SIGNING_FILTER_RULE = 'signing repository filters are 1-256 characters of lowercase repository-name segments ' +
  '(letters, digits, single . _ - between them, / between segments) in which * matches any run of characters';
/** API `SigningRule.signingProfileArn` (at most 200 characters). */
export const SIGNING_PROFILE_ARN_PATTERN = /arn:aws(-[a-z]+)*:signer:([a-z0-9-]+):([0-9]{12}):\/signing-profiles\/[a-zA-Z0-9_]{2,}/;
export const SIGNING_PROFILE_ARN_RULE = 'signing profile ARNs look like arn:<partition>:signer:<region>:<account>:/signing-profiles/<name> (at most 200 characters)';
/** The only Signer platform ECR managed signing signs with (container images, Notation format). */
export const NOTATION_PLATFORM_ID = 'Notation-OCI-SHA384-ECDSA';
/** Signer's longest signature validity period, and its default (PutSigningProfile `signatureValidityPeriod`). */
export const MAX_SIGNATURE_VALIDITY_MONTHS = 135;

/**
 * Pull-time update exclusions per account (ECR user guide, "Pull-time update exclusions": up to 100).
 */
export const MAX_PULL_TIME_EXCLUSIONS = 100;
/**
 * `AWS::ECR::PullTimeUpdateExclusion.PrincipalArn`: the CloudFormation schema and API pattern admit
 * `role/` and `user/` ARNs; the user guide documents IAM role ARNs only. The stricter form (roles) is
 * enforced. At most 200 characters.
 */
export const PULL_TIME_EXCLUSION_ARN_PATTERN = /arn:aws(-[a-z]+)*:iam::[0-9]{12}:role\/[\w+=,.@-]+(\/[\w+=,.@-]+)*/;
export const PULL_TIME_EXCLUSION_ARN_RULE = 'pull-time update exclusions take IAM role ARNs, arn:<partition>:iam::<account>:role/<path and name> ' +
  '(the user guide documents roles only; assumed-role session ARNs and users are not accepted), at most 200 characters';

/** ECR Public exists in one region. */
export const ECR_PUBLIC_REGION = 'us-east-1';
/** ECR Public CreateRepository `repositoryName`: 2-205 characters. */
export const PUBLIC_REPOSITORY_NAME_PATTERN = /(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/;
export const PUBLIC_REPOSITORY_NAME_RULE = 'public repository names are 2-205 characters of lowercase segments (letters, digits, single . _ - between them) separated by /';
/** ECR Public registry alias (the `<alias>` of public.ecr.aws/<alias>): 2-50 characters. */
export const PUBLIC_REGISTRY_ALIAS_PATTERN = /[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*/;
export const PUBLIC_REGISTRY_ALIAS_RULE = 'registry aliases are 2-50 characters of lowercase letters and digits with single . _ - between them, starting with a letter';
/**
 * ECR Public catalog data limits. The API reference (`RepositoryCatalogDataInput`) allows 25,600
 * characters of about and usage text; the CloudFormation schema of AWS::ECR::PublicRepository
 * allows 10,240. The stricter one is enforced: CloudFormation is what deploys it.
 */
export const PUBLIC_DESCRIPTION_MAX = 1024;
export const PUBLIC_LONG_TEXT_MAX = 10_240;
export const PUBLIC_CATALOG_LIST_MAX = 50;
export const PUBLIC_CATALOG_ENTRY_MAX = 50;
/** The architecture and operating system badges the ECR Public Gallery shows and filters by. */
export const GALLERY_ARCHITECTURES = ['ARM', 'ARM 64', 'x86', 'x86-64'];
export const GALLERY_OPERATING_SYSTEMS = ['Linux', 'Windows'];
/** AWS tags: key 1-128 characters, value 0-256, at most 50 per resource. */
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
export const MAX_TAGS = 50;
