/**
 * Option matrix: SecureRepository synthesized under combinations of its options. Each template is
 * written to cdk.out/matrix/ so that `npx projen lint:cfn` runs cfn-lint on all of them too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { LifecycleRule, SecureRepository, SecureRepositoryProps } from '../../src';

const MATRIX_DIR = path.join(__dirname, '..', '..', 'cdk.out', 'matrix');

const mutability: Record<string, SecureRepositoryProps> = {
  'immutable': {},
  'immutable-with-exclusion': { mutableTags: ['latest', 'dev-*'] },
  'mutable': { immutableTags: false },
  'mutable-with-exclusion': { immutableTags: false, immutableTagPatterns: ['release-*'] },
};
const encryption: Record<string, (s: Stack) => SecureRepositoryProps> = {
  'own-key': () => ({}),
  'given-key': s => ({ encryptionKey: new kms.Key(s, 'GivenKey', { enableKeyRotation: true }) }),
  'aws-managed-kms': () => ({ awsManagedKey: true }),
  'dsse-own-key': () => ({ encryption: ecr.RepositoryEncryption.KMS_DSSE }),
  'aes256': () => ({ encryption: ecr.RepositoryEncryption.AES_256 }),
};
const lifecycle: Record<string, SecureRepositoryProps> = {
  'default-lifecycle': {},
  'no-lifecycle': { lifecycleRules: [] },
  'archive-lifecycle': {
    lifecycleRules: [
      LifecycleRule.expireUntaggedAfter(1),
      LifecycleRule.keepNewest(5, { tagPrefixes: ['pr-'] }),
      LifecycleRule.archiveAfterDaysSinceLastPull(30),
      LifecycleRule.expireArchivedAfter(90),
    ],
  },
};

const cases: Array<[string, string, string]> = [];
for (const m of Object.keys(mutability)) for (const e of Object.keys(encryption)) for (const l of Object.keys(lifecycle)) cases.push([m, e, l]);

beforeAll(() => fs.mkdirSync(MATRIX_DIR, { recursive: true }));

test.each(cases)('%s / %s / %s synthesizes the settings it was given', (m, e, l) => {
  const app = new App();
  const stack = new Stack(app, `Matrix-${m}-${e}-${l}`, { env: { account: '111111111111', region: 'us-east-1' } });
  const repo = new SecureRepository(stack, 'Repo', {
    ...mutability[m],
    ...encryption[e](stack),
    ...lifecycle[l],
    removalPolicy: l === 'no-lifecycle' ? RemovalPolicy.DESTROY : undefined,
  });
  if (l !== 'no-lifecycle') repo.protectTag('v1.0.0', 'matrix');
  const template = Template.fromStack(stack).toJSON();
  fs.writeFileSync(path.join(MATRIX_DIR, `${stack.stackName}.template.json`), JSON.stringify(template, null, 1));

  const [resource] = Object.values(template.Resources as Record<string, any>).filter(r => r.Type === 'AWS::ECR::Repository');
  expect(resource.Properties.ImageTagMutability).toBe(m.toUpperCase().replace(/-/g, '_'));
  expect(resource.Properties.EncryptionConfiguration.EncryptionType).toBe(e === 'aes256' ? 'AES256' : e === 'dsse-own-key' ? 'KMS_DSSE' : 'KMS');
  expect(resource.Properties.EncryptionConfiguration.KmsKey === undefined).toBe(e === 'aes256' || e === 'aws-managed-kms');
  expect(resource.Properties.LifecyclePolicy === undefined).toBe(l === 'no-lifecycle');
});
