import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RepositoryBaseline, RepositoryBaselineProps } from './repository-baseline';
import { applyViolations, Violation } from '../private/validate';
import { checkEncryption, checkHasLifecyclePolicy, checkScanOnPush, checkTagsImmutable } from '../rules/repository';

/**
 * The baseline's key against the region of the repositories made at `scope` (ECRB-REPO-ENCRYPTION):
 * ECR needs the key in the repository's region. The key's region comes from its ARN when it was
 * imported, from its stack when it was created in the app; unknown regions are not checked.
 */
export function checkBaselineKey(scope: IConstruct, baseline: RepositoryBaseline, keyProperty = 'encryptionKey'): void {
  const key = baseline.encryptionKey;
  if (!key) return;
  applyViolations(scope, checkEncryption({
    encryptionType: baseline.encryption.value,
    kmsKey: key.keyArn,
    keyRegion: key.env.region,
    region: Stack.of(scope).region,
    keyProperty,
  }));
}

/**
 * Context key a `ContainerRegistry` sets on the scope of its repositories: it has said its
 * baseline's warnings once, so its repositories do not repeat them.
 */
export const REGISTRY_BASELINE_WARNED = '@cdk-ecr-blueprints/internal:registryBaselineWarned';

/** The opt-outs of a baseline that fail an AWS control (warnings). */
export function baselineWarnings(baseline: RepositoryBaseline): Violation[] {
  return [
    ...checkTagsImmutable('immutableTags', baseline.tagMutability),
    ...checkScanOnPush('scanOnPush', baseline.scanOnPush),
    ...checkHasLifecyclePolicy('lifecycleRules', baseline.lifecycleRules.length > 0),
  ];
}

/** The baseline fields of a props object that extends `RepositoryBaselineProps`. */
export function baselineOverrides(props: RepositoryBaselineProps): RepositoryBaselineProps {
  return {
    immutableTags: props.immutableTags,
    mutableTags: props.mutableTags,
    immutableTagPatterns: props.immutableTagPatterns,
    encryption: props.encryption,
    encryptionKey: props.encryptionKey,
    awsManagedKey: props.awsManagedKey,
    scanOnPush: props.scanOnPush,
    lifecycleRules: props.lifecycleRules,
  };
}
