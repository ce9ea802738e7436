import {
  CustomLifecycleRuleProps,
  LifecycleAction,
  LifecycleCountType,
  LifecycleRule,
  LifecycleStorageClass,
  TagStatus,
} from './lifecycle-rule';
import { LIFECYCLE_MAX_RULES, LIFECYCLE_POLICY_MAX_CHARS, LIFECYCLE_POLICY_MIN_CHARS } from '../private/ecr-rules';
import { fail, isUnresolved } from '../private/validate';

const WHERE = 'LifecyclePolicy.fromJson';
const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'];
const SELECTION_KEYS = ['tagStatus', 'tagPatternList', 'tagPrefixList', 'storageClass', 'countType', 'countUnit', 'countNumber'];
const ACTION_KEYS = ['type', 'targetStorageClass'];

/**
 * Parses ECR lifecycle policy text into rules, checking the grammar of the "Lifecycle policy
 * properties" page of the ECR user guide: the JSON shape (no unknown fields), the fields each count
 * type and action require or forbid (`countUnit`, `storageClass`, `targetStorageClass`), unique
 * priorities, and then every per-rule check of `LifecycleRule`. Errors name the rule by index and
 * priority, and the field. Checks between rules of different kinds are left to `LifecyclePolicy.validate()`.
 */
export function parseLifecyclePolicyText(text: string): LifecycleRule[] {
  if (typeof text !== 'string') fail(WHERE, 'policy text', text, 'the lifecycle policy text is a JSON string');
  if (isUnresolved(text)) fail(WHERE, 'policy text', text, 'the policy text must be known (not a token) to be parsed');
  if (text.length < LIFECYCLE_POLICY_MIN_CHARS || text.length > LIFECYCLE_POLICY_MAX_CHARS) {
    fail(WHERE, 'policy text', `${text.length} characters`,
      `ECR lifecycle policy text must be ${LIFECYCLE_POLICY_MIN_CHARS}-${LIFECYCLE_POLICY_MAX_CHARS} characters`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(WHERE, 'policy text', text.length > 40 ? `${text.slice(0, 40)}...` : text, `not JSON (${(e as Error).message})`);
  }
  const top = object(WHERE, 'policy', doc, ['rules']);
  const rules = top.rules;
  if (!Array.isArray(rules) || rules.length === 0) {
    fail(WHERE, 'rules', rules, 'a lifecycle policy has a "rules" list with at least one rule');
  }
  if (rules.length > LIFECYCLE_MAX_RULES) {
    fail(WHERE, 'rules', `${rules.length} rules`, `ECR accepts at most ${LIFECYCLE_MAX_RULES} rules per lifecycle policy`);
  }

  const seen = new Map<number, number>();
  return rules.map((raw, index) => {
    const priority = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).rulePriority : undefined;
    const where = `${WHERE} rules[${index}]${typeof priority === 'number' ? ` (rulePriority ${priority})` : ''}`;
    const props = parseRule(where, raw);
    const clash = seen.get(props.priority!);
    if (clash !== undefined) {
      fail(where, 'rulePriority', props.priority, `rules[${clash}] has the same priority; rule priorities must be unique`);
    }
    seen.set(props.priority!, index);
    return LifecycleRule._fromProps(where, props);
  });
}

function parseRule(where: string, raw: unknown): CustomLifecycleRuleProps {
  const rule = object(where, 'rule', raw, RULE_KEYS);
  const priority = required(where, 'rulePriority', rule.rulePriority);
  if (typeof priority !== 'number') fail(where, 'rulePriority', priority, 'must be an integer >= 1');
  if (rule.description !== undefined && typeof rule.description !== 'string') {
    fail(where, 'description', rule.description, 'must be a string');
  }

  const selection = object(where, 'selection', required(where, 'selection', rule.selection), SELECTION_KEYS);
  const tagStatus = string(where, 'selection.tagStatus', required(where, 'selection.tagStatus', selection.tagStatus));
  const countType = string(where, 'selection.countType', required(where, 'selection.countType', selection.countType));
  const countNumber = required(where, 'selection.countNumber', selection.countNumber);
  if (typeof countNumber !== 'number') fail(where, 'selection.countNumber', countNumber, 'must be an integer >= 1');

  const lists: Record<string, string[] | undefined> = {};
  for (const key of ['tagPatternList', 'tagPrefixList'] as const) {
    const value = selection[key];
    if (value === undefined) continue;
    if (tagStatus !== TagStatus.TAGGED) {
      fail(where, `selection.${key}`, value, `${key} may only be used with tagStatus tagged (ECR: lifecycle policy properties)`);
    }
    if (!Array.isArray(value) || value.length === 0 || value.some(v => typeof v !== 'string')) {
      fail(where, `selection.${key}`, value, 'must be a non-empty list of strings');
    }
    lists[key] = value as string[];
  }

  // [PROP] countUnit: "Required: yes, only if countType is set to sinceImagePushed, sinceImagePulled,
  // or sinceImageTransitioned ... an error will occur if you specify a count unit when countType is
  // any other value"; "days" is the only unit.
  const countsDays = countType !== LifecycleCountType.IMAGE_COUNT_MORE_THAN;
  if (countsDays && Object.values(LifecycleCountType).includes(countType as LifecycleCountType)) {
    const unit = required(where, 'selection.countUnit', selection.countUnit);
    if (unit !== 'days') fail(where, 'selection.countUnit', unit, 'the only count unit is "days"');
  } else if (selection.countUnit !== undefined) {
    fail(where, 'selection.countUnit', selection.countUnit, 'countUnit is only accepted with the day count types (not imageCountMoreThan)');
  }

  // [PROP] storageClass: "Required: yes, if countType is sinceImageTransitioned ... If you omit this,
  // the value of standard will be used."
  let storageClass = selection.storageClass;
  if (storageClass === undefined && countType === LifecycleCountType.SINCE_IMAGE_TRANSITIONED) {
    fail(where, 'selection.storageClass', storageClass, 'storageClass "archive" is required with countType sinceImageTransitioned');
  }
  storageClass = storageClass === undefined ? undefined : string(where, 'selection.storageClass', storageClass);

  const action = object(where, 'action', required(where, 'action', rule.action), ACTION_KEYS);
  const type = string(where, 'action.type', required(where, 'action.type', action.type));
  // [PROP] targetStorageClass: "Required: yes, if type is transition ... archive is the only
  // supported value". Docs silent on it with expire: rejected, as it would mean nothing.
  if (type === LifecycleAction.TRANSITION) {
    const target = required(where, 'action.targetStorageClass', action.targetStorageClass);
    if (target !== LifecycleStorageClass.ARCHIVE) {
      fail(where, 'action.targetStorageClass', target, 'the only target storage class is "archive"');
    }
  } else if (action.targetStorageClass !== undefined) {
    fail(where, 'action.targetStorageClass', action.targetStorageClass, 'targetStorageClass only applies to the transition action');
  }

  return {
    priority,
    description: rule.description as string | undefined,
    tagStatus: tagStatus as TagStatus,
    tagPatternList: lists.tagPatternList,
    tagPrefixList: lists.tagPrefixList,
    storageClass: storageClass as LifecycleStorageClass | undefined,
    countType: countType as LifecycleCountType,
    countNumber,
    action: type as LifecycleAction,
  };
}

function object(where: string, property: string, value: unknown, keys: string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(where, property, value, 'must be a JSON object');
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      const path = property === 'policy' || property === 'rule' ? key : `${property}.${key}`;
      fail(where, path, (value as Record<string, unknown>)[key], `unknown field; ${property} fields are ${keys.join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}

function required(where: string, property: string, value: unknown): unknown {
  if (value === undefined || value === null) fail(where, property, value, 'is required');
  return value;
}

function string(where: string, property: string, value: unknown): string {
  if (typeof value !== 'string') fail(where, property, value, 'must be a string');
  return value;
}
