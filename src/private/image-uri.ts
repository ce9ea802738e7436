/**
 * Image URIs of private ECR repositories, read from the two places they appear: the construct tree
 * (strings with CDK token markers) and synthesized templates (`Fn::Join` of strings and
 * intrinsics). Both are first written as one flat string in which every unresolved part is an
 * opaque placeholder `⟨...⟩` without dots or slashes, so one parser serves both.
 */

/** An image URI `<account>.dkr.ecr.<region>.<suffix>/<repository>[:<tag>][@<digest>]`. */
export interface ParsedImageUri {
  /** The registry account, or a placeholder. */
  readonly account: string;
  /** The registry region, or a placeholder. */
  readonly region: string;
  /** The repository name; may contain placeholders. */
  readonly repositoryName: string;
  /** The tag, when the URI has one; may be a placeholder. */
  readonly tag?: string;
  /** The digest, when the URI has one; may be a placeholder. */
  readonly digest?: string;
}

const PLACEHOLDER = /⟨[^⟩]*⟩/;
const URI = /^([^/]+?)\.dkr\.ecr\.([^./]+)\.[^/]+\/([^:@]+)(?::([^@]+))?(?:@(.+))?$/;

/** Whether a part of a parsed URI holds an unresolved value. */
export function hasPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/**
 * A placeholder for an unresolved value named `label`. The characters the URI grammar splits on are
 * percent-encoded, so that `placeholders()` can give the label back.
 */
export function placeholder(label: string): string {
  return `⟨${label.replace(/[%./:@⟨⟩]/g, c => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}⟩`;
}

/** The labels of the placeholders in a flat string, decoded. */
export function placeholders(flat: string): string[] {
  return [...flat.matchAll(/⟨([^⟩]*)⟩/g)].map(m => m[1].replace(/%([0-9a-f]{2,4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
}

/**
 * Tokens that stand for a string of known structure: a value that resolves differently per
 * consumer (a repository URI that is a plain string in other stacks) registers the string it falls
 * back to, so that the construct-tree pass still reads the repository and tag in it. Kept on a
 * global symbol, so every copy of the library shares it.
 */
const STRUCTURES = Symbol.for('cdk-ecr-blueprints.tokenStructures');

function structures(): Map<string, string> {
  const holder = globalThis as unknown as { [STRUCTURES]?: Map<string, string> };
  return holder[STRUCTURES] ?? (holder[STRUCTURES] = new Map());
}

/** Records that the token string `token` has the structure of `structure` (a string with tokens). */
export function registerTokenStructure(token: string, structure: string): void {
  structures().set(token, structure);
}

const TOKEN_MARKER = /\$\{Token\[([^\]]*)\]\}/g;

/** Replaces CDK token markers (`${Token[...]}`) of a construct-tree string by placeholders. */
export function flattenTokenString(value: string): string {
  const known = structures();
  let expanded = value;
  // Registered tokens are expanded first (a few levels: a URI's structure names the repository's name token).
  for (let depth = 0; depth < 3 && known.size > 0; depth++) {
    const next = expanded.replace(TOKEN_MARKER, marker => known.get(marker) ?? marker);
    if (next === expanded) break;
    expanded = next;
  }
  return expanded.replace(TOKEN_MARKER, (_, inner: string) => placeholder(inner));
}

/**
 * A synthesized template value as a flat string: strings as they are, `Fn::Join` joined, `Ref` of a
 * pseudo parameter or resource and every other intrinsic as a placeholder. Undefined for values
 * that are not strings or intrinsics.
 */
export function flattenTemplateValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys;
  const arg = (value as any)[key];
  if (key === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
    const parts = arg[1].map(flattenTemplateValue);
    return parts.every((p: string | undefined) => p !== undefined) ? parts.join(arg[0]) : undefined;
  }
  if (key === 'Ref' && typeof arg === 'string') return placeholder(`Ref:${arg}`);
  return placeholder(`${key}:${JSON.stringify(arg)}`);
}

/** Parses a flat image URI; undefined when it is not an ECR private image URI. */
export function parseImageUri(flat: string): ParsedImageUri | undefined {
  const m = URI.exec(flat);
  if (!m) return undefined;
  return { account: m[1], region: m[2], repositoryName: m[3], tag: m[4], digest: m[5] };
}
