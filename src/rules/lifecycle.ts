import { RuleDefinition } from './rule';

/*
 * The lifecycle policy rules are data here; their function is `checkLifecyclePolicyText` in
 * src/lifecycle/policy-reading.ts, because it is `LifecyclePolicy.fromJson` itself (the grammar and
 * the checks between rules live with the lifecycle values, one layer up).
 */

export const LIFECYCLE_RULE: RuleDefinition = {
  id: 'ECRB-LIFECYCLE-RULE',
  level: 'error',
  description: 'each lifecycle rule follows the grammar: priority >= 1, countNumber >= 1, tag lists only on tagged rules, at most 4 * per pattern, archive rules count sinceImageTransitioned (>= 90 days), sinceImagePulled only with transition',
  source: 'ECR user guide, lifecycle policy properties; archiving images',
};

export const LIFECYCLE_POLICY: RuleDefinition = {
  id: 'ECRB-LIFECYCLE-POLICY',
  level: 'error',
  description: 'the rules of a lifecycle policy fit together: unique priorities, per storage class one any rule evaluated last, one untagged rule and distinct tag lists; at most 50 rules; text of 100-30,720 characters',
  source: 'ECR user guide, lifecycle policy evaluation rules; ECR API reference, PutLifecyclePolicy (lifecyclePolicyText 100-30,720)',
};

export const LIFECYCLE_POLICY_TEXT: RuleDefinition = {
  id: 'ECRB-LIFECYCLE-TEXT',
  level: 'error',
  description: 'lifecycle policy text is JSON of the documented shape: no unknown fields, countUnit days exactly with the day count types, targetStorageClass archive exactly with transition',
  source: 'ECR user guide, lifecycle policy properties',
};

export const PROTECTED_TAG_TOKEN: RuleDefinition = {
  id: 'ECRB-LIFECYCLE-PROTECT-TOKEN',
  level: 'error',
  description: 'a protected tag is known at synth time, to be written into the lifecycle policy',
  source: 'ECR user guide, lifecycle policy properties (tagPatternList is literal text)',
};
