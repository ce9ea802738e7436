/**
 * Reads a container image reference out of a synthesized template value: a literal string, or the
 * `Fn::Join` / `Fn::Sub` that aws-cdk-lib renders for `repositoryUriForTag` and assets. Internal.
 */

/** What the checks know of a container image. */
export interface ImageUri {
  /** `tag`, `digest`, `none` (no tag: pulled as latest) or `unresolved` (the tag is an intrinsic). */
  readonly kind: 'tag' | 'digest' | 'none' | 'unresolved';
  readonly tag?: string;
  /** Logical ids the image refers to with `Ref` (the repository, when it is in the same template). */
  readonly refs: readonly string[];
  /**
   * The repository path of an ECR image URI whose path is written out
   * (`<account>.dkr.ecr.<region>.<suffix>/<path>`, as `fromRepositoryName` renders it).
   */
  readonly ecrRepositoryName?: string;
  /** The account and region of the ECR host, when written out (otherwise the stack's). */
  readonly ecrAccount?: string;
  readonly ecrRegion?: string;
}

const TOKEN = '\u0000';

interface Flat {
  text: string;
  refs: string[];
}

function flatten(value: unknown, out: Flat): void {
  if (typeof value === 'string') {
    out.text += value;
    return;
  }
  if (typeof value === 'number') {
    out.text += String(value);
    return;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, any>;
    if (Array.isArray(v['Fn::Join']) && Array.isArray(v['Fn::Join'][1]) && typeof v['Fn::Join'][0] === 'string') {
      const [delimiter, parts] = v['Fn::Join'];
      parts.forEach((part: unknown, i: number) => {
        if (i > 0) out.text += delimiter;
        flatten(part, out);
      });
      return;
    }
    if (v['Fn::Sub'] !== undefined) {
      const sub = v['Fn::Sub'];
      const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
      if (text !== undefined) {
        // `${Name}` is a Ref (or a variable of the second argument), `${Name.Attr}` a GetAtt; `${!x}` is literal.
        out.text += text.replace(/\$\{([^}]*)\}/g, (_m, inner: string) => {
          if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
          if (!inner.includes('.')) out.refs.push(inner);
          return TOKEN;
        });
        return;
      }
    }
    if (typeof v.Ref === 'string') out.refs.push(v.Ref);
  }
  out.text += TOKEN;
}

/** Parses the `Image` of a container definition. */
export function parseImage(value: unknown): ImageUri {
  const flat: Flat = { text: '', refs: [] };
  flatten(value, flat);
  const { text, refs } = flat;
  const slash = text.lastIndexOf('/');
  const last = text.slice(slash + 1);
  const host = slash >= 0 ? text.slice(0, text.indexOf('/')) : '';
  // An ECR host (its account and region may be intrinsics) and a repository path written out.
  const ecrHost = /\.dkr\.ecr\.[^./]+\./.test(host);
  const path = slash >= 0 ? text.slice(host.length + 1) : '';
  const literalEcr = ecrHost && !path.includes(TOKEN);
  const hostParts = /^([^.]*)\.dkr\.ecr\.([^.]*)\./.exec(host);
  const env = {
    ecrAccount: hostParts && !hostParts[1].includes(TOKEN) ? hostParts[1] : undefined,
    ecrRegion: hostParts && !hostParts[2].includes(TOKEN) ? hostParts[2] : undefined,
  };
  const at = last.indexOf('@');
  if (at >= 0) return { kind: 'digest', refs };
  const colon = last.indexOf(':');
  if (colon < 0) {
    // A token at the end may hold the tag (`${Tag}`) or the whole image.
    if (last.includes(TOKEN) || text === '') return { kind: 'unresolved', refs };
    return { kind: 'none', refs, ecrRepositoryName: literalEcr ? text.slice(host.length + 1) : undefined, ...env };
  }
  const tag = last.slice(colon + 1);
  if (tag.includes(TOKEN)) return { kind: 'unresolved', refs };
  const repositoryPath = text.slice(0, slash + 1 + colon);
  return {
    kind: 'tag',
    tag,
    refs,
    ecrRepositoryName: literalEcr ? repositoryPath.slice(host.length + 1) : undefined,
    ...env,
  };
}
