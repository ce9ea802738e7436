import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Where a value was received: a construct (its path is used) or a short label such as
 * `LifecycleRule.keepNewest` for value objects that have no construct yet.
 */
export type Where = IConstruct | string;

/** True when the value holds an unresolved token anywhere (strings, numbers, lists). */
export function isUnresolved(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return Token.isUnresolved(value) || value.some(isUnresolved);
  return Token.isUnresolved(value);
}

function whereText(where: Where): string {
  return typeof where === 'string' ? where : where.node.path || '<app>';
}

/** Renders a received value for an error message: strings are quoted, the rest is JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Thrown for invalid input. The message is `<path>: invalid <property> <value>: <rule>`:
 * lowercase, no final period, so that it reads well in the CDK CLI's error output.
 */
export class BlueprintValidationError extends Error {
  constructor(where: Where, property: string, value: unknown, rule: string) {
    super(`${whereText(where)}: invalid ${property} ${show(value)}: ${rule}`);
    this.name = 'ValidationError';
  }
}

/** Throws a validation error; `never` lets callers use it in expressions. */
export function fail(where: Where, property: string, value: unknown, rule: string): never {
  throw new BlueprintValidationError(where, property, value, rule);
}

/** Formats the same message without throwing, for `node.addValidation` results. */
export function message(where: Where, property: string, value: unknown, rule: string): string {
  return `${whereText(where)}: invalid ${property} ${show(value)}: ${rule}`;
}

export interface IntegerRange {
  readonly min?: number;
  readonly max?: number;
}

/** Integer within [min, max]; tokens pass. */
export function checkInteger(where: Where, property: string, value: number | undefined, range: IntegerRange = {}): void {
  if (value === undefined || isUnresolved(value)) return;
  const { min, max } = range;
  const bounds = min !== undefined && max !== undefined ? `between ${min} and ${max}`
    : min !== undefined ? `>= ${min}` : max !== undefined ? `<= ${max}` : '';
  if (!Number.isInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
    fail(where, property, value, `must be an integer${bounds ? ' ' + bounds : ''}`);
  }
}

/** String length within [min, max]; tokens pass. */
export function checkLength(where: Where, property: string, value: string | undefined, min: number, max: number): void {
  if (value === undefined || isUnresolved(value)) return;
  if (value.length < min || value.length > max) {
    fail(where, property, value, `must be ${min}-${max} characters long (got ${value.length})`);
  }
}

/** Full-string regular expression match; tokens pass. `rule` says what the pattern means. */
export function checkPattern(where: Where, property: string, value: string | undefined, pattern: RegExp, rule: string): void {
  if (value === undefined || isUnresolved(value)) return;
  const anchored = new RegExp(`^(?:${pattern.source})$`, pattern.flags);
  if (!anchored.test(value)) fail(where, property, value, rule);
}

/** List size within [min, max]; a token list passes. */
export function checkCount(where: Where, property: string, value: readonly unknown[] | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (value.length < min || value.length > max) {
    fail(where, property, value, `must have ${min === max ? min : `${min}-${max}`} entries (got ${value.length})`);
  }
}

/** No two entries equal (resolved entries only). */
export function checkUnique(where: Where, property: string, value: readonly string[] | undefined): void {
  if (!value) return;
  const seen = new Set<string>();
  for (const v of value) {
    if (isUnresolved(v)) continue;
    if (seen.has(v)) fail(where, property, value, `entries must be unique (${show(v)} appears more than once)`);
    seen.add(v);
  }
}
