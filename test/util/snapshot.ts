/**
 * Snapshot helpers: templates pass through a serializer that strips what changes without a change
 * of behaviour (asset hashes, the bootstrap version check), so snapshots move only when the
 * synthesized resources do. Image digests (`sha256:` and 64 hexadecimal characters) are kept: a
 * pinned digest is what a reviewer of a task definition must see.
 */
const ASSET_HASH = /(?<!sha256:)(?<![a-f0-9])[a-f0-9]{64}(?![a-f0-9])/g;

export function stableTemplate(template: Record<string, any>): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(template).replace(ASSET_HASH, '<asset-hash>'));
  delete copy.Parameters?.BootstrapVersion;
  if (copy.Parameters && Object.keys(copy.Parameters).length === 0) delete copy.Parameters;
  delete copy.Rules?.CheckBootstrapVersion;
  if (copy.Rules && Object.keys(copy.Rules).length === 0) delete copy.Rules;
  return copy;
}
