import { LifecyclePolicy } from './lifecycle-policy';
import { LifecycleRule } from './lifecycle-rule';
import { BlueprintValidationError, isBlueprintValidationError, isUnresolved, Violation } from '../private/validate';
import { LIFECYCLE_POLICY_TEXT } from '../rules/lifecycle';

// Internal (not exported by the package): what the app-wide checks and the rules read from policy text.

/**
 * Checks lifecycle policy text exactly as `LifecyclePolicy.fromJson` does, returning violations
 * instead of throwing (ECRB-LIFECYCLE-TEXT, ECRB-LIFECYCLE-RULE, ECRB-LIFECYCLE-POLICY): for the
 * app-wide checks over synthesized templates. Text that holds a token is not checked.
 */
export function checkLifecyclePolicyText(text: string, property: string = 'LifecyclePolicyText'): Violation[] {
  if (typeof text === 'string' && isUnresolved(text)) return [];
  const { error } = readLifecyclePolicyText(text);
  if (!error) return [];
  const at = error.constructPath.replace(/^LifecyclePolicy\.fromJson ?/, '');
  return [{
    ruleId: error.ruleId ?? LIFECYCLE_POLICY_TEXT.id,
    level: 'error',
    property: [property, at, error.property].filter(x => x).join(' '),
    value: error.value,
    rule: error.rule,
  }];
}

/** What `LifecyclePolicy.fromJson` makes of a text: the rules as ECR evaluates them, or its error. */
export interface LifecyclePolicyReading {
  readonly rules?: readonly LifecycleRule[];
  readonly error?: BlueprintValidationError;
}

/** Readings by text: the app-wide checks read each repository's text twice (its checks, the deployed images). */
const readings = new Map<string, LifecyclePolicyReading>();
/** Texts remembered at most; the memory is emptied when full (one app rarely has more distinct policies). */
const MAX_READINGS = 4096;

/**
 * Parses and checks policy text once per distinct text: the rules are immutable, so readers share
 * them. Errors other than the library's own are thrown.
 */
export function readLifecyclePolicyText(text: string): LifecyclePolicyReading {
  let reading = readings.get(text);
  if (!reading) {
    try {
      reading = { rules: LifecyclePolicy.fromJson(text).resolvedRules() };
    } catch (e) {
      if (!isBlueprintValidationError(e)) throw e;
      reading = { error: e };
    }
    if (readings.size >= MAX_READINGS) readings.clear();
    readings.set(text, reading);
  }
  return reading;
}
