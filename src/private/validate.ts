import { Annotations, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Where a value was received: a construct (its path is used) or a short label such as
 * `LifecycleRule.keepNewest` for value objects that have no construct yet.
 */
export type Where = IConstruct | string;

/** True when the value holds an unresolved token anywhere (strings, numbers, lists). */
/** The smallest magnitude of a number-encoded token (aws-cdk-lib's marker bits set the exponent to 960). */
const NUMBER_TOKEN_MAGNITUDE = 2 ** 960;

export function isUnresolved(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  // aws-cdk-lib encodes a number token as a double of magnitude at least 2^960: smaller numbers are
  // plain (this spares Token.isUnresolved's buffer allocation, called for every priority and count).
  if (typeof value === 'number') return Math.abs(value) >= NUMBER_TOKEN_MAGNITUDE && Token.isUnresolved(value);
  if (Array.isArray(value)) return Token.isUnresolved(value) || value.some(isUnresolved);
  return Token.isUnresolved(value);
}

/**
 * One broken rule: the property at fault, the value received, and the rule in words (lowercase, no
 * final period); `ruleId` names the rule of src/rules. Said at a place, it reads
 * `<path>: invalid <property> <value>: <rule>`.
 */
export interface Violation {
  readonly ruleId: string;
  /** `error` stops synth; `warning` is reported. */
  readonly level: 'error' | 'warning';
  readonly property: string;
  readonly value: unknown;
  readonly rule: string;
}

function whereText(where: Where): string {
  return typeof where === 'string' ? where : where.node.path || '<app>';
}

/**
 * Renders a received value for an error message, as the user gave it: strings are quoted, the rest
 * is JSON, and a value that holds an unresolved token reads `${Token[...]}` with a note that it was
 * not checked (numbers and lists included, which would otherwise print as encoded values).
 */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && Token.isUnresolved(value)) return `${Tokenization.stringifyNumber(value)} (a token, not checked)`;
  if (Array.isArray(value) && Token.isUnresolved(value)) return `${JSON.stringify(Token.asString(value))} (a token, not checked)`;
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, (_k, v) =>
      typeof v === 'number' && Token.isUnresolved(v) ? Tokenization.stringifyNumber(v) : v) ?? String(value);
  } catch {
    text = String(value);
  }
  // A string that is one token reads as itself (the rule says what a token means there).
  return typeof value !== 'string' && text.includes('${Token[') ? `${text} (holds a token, not checked)` : text;
}

function render(where: Where, property: string, value: unknown, rule: string): string {
  return `${whereText(where)}: ${refusal(property, value, rule)}`;
}

/** What was refused, without the place: `invalid <property> <value>: <rule>`. */
export function refusal(property: string, value: unknown, rule: string): string {
  return `invalid ${property} ${show(value)}: ${rule}`;
}

// aws-cdk-lib's own markers: `Errors.isConstructError(e)` and `Errors.isValidationError(e)` are true
// for this library's errors, as they are for aws-cdk-lib's ValidationError.
const CONSTRUCT_ERROR_SYMBOL = Symbol.for('@aws-cdk/core.SynthesisError');
const VALIDATION_ERROR_SYMBOL = Symbol.for('@aws-cdk/core.ValidationError');

/**
 * The one error class of every validation error of the library. The message is
 * `<path>: invalid <property> <value>: <rule>`: lowercase, no final period, so that it reads well
 * in the CDK CLI's error output. Internal (jsii does not export Error subclasses); users test for it
 * with aws-cdk-lib's `Errors.isValidationError(e)`, as for aws-cdk-lib's own validation errors.
 */
export class BlueprintValidationError extends Error {
  /** The construct path, or the label of the value object, where the value was received. */
  public readonly constructPath: string;
  public readonly property: string;
  public readonly value: unknown;
  public readonly rule: string;
  /** The id of the rule (src/rules) that was broken, when one was. */
  public readonly ruleId?: string;
  /** Further messages of the same check (for example every other problem of one lifecycle policy). */
  public readonly more: readonly string[];

  /**
   * @param more further messages of the same check, one a line after the first
   */
  constructor(where: Where, property: string, value: unknown, rule: string, ruleId?: string, more: readonly string[] = []) {
    super([render(where, property, value, rule), ...more].join('\n'));
    Object.setPrototypeOf(this, BlueprintValidationError.prototype);
    Object.defineProperty(this, CONSTRUCT_ERROR_SYMBOL, { value: true });
    Object.defineProperty(this, VALIDATION_ERROR_SYMBOL, { value: true });
    this.name = 'ValidationError';
    this.constructPath = whereText(where);
    this.property = property;
    this.value = value;
    this.rule = rule;
    this.ruleId = ruleId;
    this.more = more;
  }

  /** The same error, said at another place (a value object's error raised while a construct is built). */
  public at(where: Where): BlueprintValidationError {
    const from = `${this.constructPath}: `;
    const to = `${whereText(where)}: `;
    return new BlueprintValidationError(where, this.property, this.value, this.rule, this.ruleId,
      this.more.map(m => m.startsWith(from) ? to + m.slice(from.length) : m));
  }
}

/** True for the library's validation errors. */
export function isBlueprintValidationError(x: unknown): x is BlueprintValidationError {
  return x instanceof BlueprintValidationError;
}

/**
 * Runs `build` and says any validation error it raises at `where` (the construct being built), so
 * that errors of value objects (`LifecyclePolicy.addRule`, `RepositoryBaseline`) name the construct path.
 */
export function at<T>(where: IConstruct, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (isBlueprintValidationError(e)) throw e.at(where);
    throw e;
  }
}

/** Throws the first error-level violation as a validation error; no-op when there are none. */
export function throwViolations(where: Where, violations: readonly Violation[]): void {
  const first = violations.find(v => v.level === 'error');
  if (first) throw new BlueprintValidationError(where, first.property, first.value, first.rule, first.ruleId);
}

/** The error-level violations as messages, for `node.addValidation` results. */
export function violationMessages(where: Where, violations: readonly Violation[]): string[] {
  return violations.filter(v => v.level === 'error').map(v => render(where, v.property, v.value, v.rule));
}

/**
 * Reports the warning-level violations on `scope` (id `cdk-ecr-blueprints:<rule id>`, message
 * `<property> <value>: <rule>`; the CLI prefixes the construct path) and throws the first error.
 */
export function applyViolations(scope: IConstruct, violations: readonly Violation[]): void {
  for (const v of violations) {
    if (v.level === 'warning') {
      Annotations.of(scope).addWarningV2(`cdk-ecr-blueprints:${v.ruleId}`, `${v.property} ${show(v.value)}: ${v.rule}`);
    }
  }
  throwViolations(scope, violations);
}

/** Throws a validation error; `never` lets callers use it in expressions. */
export function fail(where: Where, property: string, value: unknown, rule: string): never {
  throw new BlueprintValidationError(where, property, value, rule);
}

/** Formats the same message without throwing, for `node.addValidation` results. */
export function message(where: Where, property: string, value: unknown, rule: string): string {
  return render(where, property, value, rule);
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
