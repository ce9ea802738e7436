import { LifecycleImage, LifecycleStorageClass } from '../lifecycle';
import { UsageError } from './usage-error';

/** Media types of manifest lists (image indexes), whose platform images ECR never expires first. */
const MANIFEST_LIST_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
]);

/** An image of the input with what the table shows besides the evaluator's fields. */
export interface InputImage {
  readonly image: LifecycleImage;
  readonly file: string;
}

/** Images that are not evaluated, and why. */
export interface SkippedImage {
  readonly digest: string;
  readonly tags: string[];
  readonly reason: string;
}

export interface ImageInput {
  readonly images: InputImage[];
  readonly skipped: SkippedImage[];
  readonly manifestLists: number;
  readonly repositories: string[];
}

/**
 * Reads pages of `aws ecr describe-images --output json` (the DescribeImages response:
 * `{"imageDetails": [...], "nextToken": "..."}`). Times are ISO 8601 strings (AWS CLI v2) or epoch
 * seconds (AWS CLI v1, or `--cli-timestamp-format none`). Fields the evaluator does not need are ignored.
 */
export function readDescribeImages(files: Array<{ name: string; text: string }>): ImageInput {
  const images: InputImage[] = [];
  const skipped: SkippedImage[] = [];
  const seen = new Map<string, string>();
  const repositories = new Set<string>();
  let manifestLists = 0;

  for (const { name, text } of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${name}: not JSON (${(e as Error).message}); expected the output of aws ecr describe-images --output json`);
    }
    const details = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>).imageDetails : undefined;
    if (!Array.isArray(details)) {
      throw new UsageError(`${name}: no "imageDetails" list; expected the output of aws ecr describe-images --output json`);
    }
    details.forEach((raw, index) => {
      const at = `${name}: imageDetails[${index}]`;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${at}: not an object`);
      const d = raw as Record<string, unknown>;
      const digest = d.imageDigest;
      if (typeof digest !== 'string' || digest.length === 0) throw new UsageError(`${at}: no imageDigest`);
      const previous = seen.get(digest);
      if (previous !== undefined) {
        throw new UsageError(`${at}: image ${digest} also appears in ${previous}; give each page of describe-images once`);
      }
      seen.set(digest, at);
      if (typeof d.repositoryName === 'string') repositories.add(d.repositoryName);

      const tags = d.imageTags ?? [];
      if (!Array.isArray(tags) || tags.some(t => typeof t !== 'string' || t.length === 0)) {
        throw new UsageError(`${at}: imageTags must be a list of tags`);
      }
      if (d.imageManifestMediaType !== undefined && MANIFEST_LIST_TYPES.has(String(d.imageManifestMediaType))) manifestLists++;

      const status = d.imageStatus ?? 'ACTIVE';
      if (status === 'ACTIVATING') {
        skipped.push({ digest, tags, reason: 'imageStatus ACTIVATING: being restored from the archive' });
        return;
      }
      if (status !== 'ACTIVE' && status !== 'ARCHIVED') {
        throw new UsageError(`${at}: unknown imageStatus ${JSON.stringify(status)} (ACTIVE, ARCHIVED or ACTIVATING)`);
      }
      const size = d.imageSizeInBytes;
      if (size !== undefined && (typeof size !== 'number' || !(size >= 0))) throw new UsageError(`${at}: imageSizeInBytes must be a number`);
      const subject = d.subjectManifestDigest;
      if (subject !== undefined && typeof subject !== 'string') throw new UsageError(`${at}: subjectManifestDigest must be a digest`);

      const pushedAt = timestamp(at, 'imagePushedAt', d.imagePushedAt, true)!;
      const lastPulledAt = timestamp(at, 'lastRecordedPullTime', d.lastRecordedPullTime);
      const transitionedAt = timestamp(at, 'lastArchivedAt', d.lastArchivedAt);
      const restoredAt = timestamp(at, 'lastActivatedAt', d.lastActivatedAt);
      images.push({
        file: name,
        image: {
          digest,
          tags,
          pushedAt,
          ...(lastPulledAt ? { lastPulledAt } : {}),
          ...(status === 'ARCHIVED' ? { storageClass: LifecycleStorageClass.ARCHIVE } : {}),
          ...(transitionedAt ? { transitionedAt } : {}),
          // A restore time only matters for an active image; an archived one was archived again since.
          ...(restoredAt && status === 'ACTIVE' ? { restoredAt } : {}),
          ...(typeof size === 'number' ? { sizeInBytes: size } : {}),
          ...(subject ? { subjectDigest: subject } : {}),
        },
      });
    });
  }
  return { images, skipped, manifestLists, repositories: [...repositories].sort() };
}

/** An ISO 8601 string or epoch seconds, as the AWS CLI prints timestamps. */
export function timestamp(at: string, field: string, value: unknown, required = false): Date | undefined {
  if (value === undefined || value === null) {
    if (required) throw new UsageError(`${at}: no ${field}`);
    return undefined;
  }
  let date: Date | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value * 1000);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) date = new Date(value);
  if (!date || Number.isNaN(date.getTime())) {
    throw new UsageError(`${at}: ${field} ${JSON.stringify(value)} is not a time (ISO 8601, or epoch seconds)`);
  }
  return date;
}
