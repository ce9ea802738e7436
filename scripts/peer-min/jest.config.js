// The test suite against another aws-cdk-lib (the minimum of the peer range): the same jest
// configuration as package.json, with aws-cdk-lib and constructs resolved from PEER_DIR
// (default .peer-min/, filled by scripts/peer-min/run.sh). The mapper applies to every module,
// cdk-nag included, so the whole run sees one aws-cdk-lib.
const path = require('path');
const root = path.resolve(__dirname, '..', '..');
const base = require(path.join(root, 'package.json')).jest;
const peerDir = path.resolve(root, process.env.PEER_DIR ?? '.peer-min', 'node_modules');

module.exports = {
  ...base,
  rootDir: root,
  collectCoverage: false,
  reporters: ['default'],
  // The command line and the snapshot helper do not touch aws-cdk-lib.
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, '<rootDir>/test/cli/', '<rootDir>/test/util/'],
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^aws-cdk-lib$': path.join(peerDir, 'aws-cdk-lib'),
    '^aws-cdk-lib/(.*)$': path.join(peerDir, 'aws-cdk-lib', '$1'),
    '^constructs$': path.join(peerDir, 'constructs'),
  },
};
