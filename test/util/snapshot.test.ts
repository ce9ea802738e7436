import { stableTemplate } from './snapshot';

const HASH = 'a'.repeat(40) + '0123456789abcdef01234567';
const DIGEST = `sha256:${'4f1c'.repeat(16)}`;

test('asset hashes are masked, image digests are kept', () => {
  const template = {
    Resources: {
      Fn: { Properties: { Code: { S3Key: `${HASH}.zip` } } },
      Task: { Properties: { ContainerDefinitions: [{ Image: `111111111111.dkr.ecr.us-east-1.amazonaws.com/api@${DIGEST}` }] } },
      Asset: { Properties: { Image: `cdk-hnb659fds-container-assets:${HASH}` } },
    },
  };
  const stable = stableTemplate(template);
  expect(stable.Resources.Fn.Properties.Code.S3Key).toBe('<asset-hash>.zip');
  expect(stable.Resources.Asset.Properties.Image).toBe('cdk-hnb659fds-container-assets:<asset-hash>');
  expect(stable.Resources.Task.Properties.ContainerDefinitions[0].Image).toBe(`111111111111.dkr.ecr.us-east-1.amazonaws.com/api@${DIGEST}`);
});

test('longer hexadecimal strings are not cut into a hash', () => {
  const long = 'b'.repeat(80);
  expect(stableTemplate({ Outputs: { X: { Value: long } } }).Outputs.X.Value).toBe(long);
});
