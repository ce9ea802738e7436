#!/usr/bin/env bash
# `npx projen test:peer-min [-- JEST ARGS]`: the test suite on the minimum aws-cdk-lib of the peer
# range (package.json peerDependencies), installed once into .peer-min/ and mapped in by
# scripts/peer-min/jest.config.js. The project's own node_modules stay on the latest aws-cdk-lib.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
min() { node -p "require('semver').minVersion(require('./package.json').peerDependencies['$1']).version"; }
cdk_lib="$(min aws-cdk-lib)"
constructs="$(min constructs)"
installed="$(node -p "try { require('./.peer-min/node_modules/aws-cdk-lib/package.json').version } catch { '' }")"
if [ "$installed" != "$cdk_lib" ]; then
  echo "peer-min: installing aws-cdk-lib@$cdk_lib constructs@$constructs into .peer-min/"
  rm -rf .peer-min && mkdir .peer-min
  echo '{ "name": "peer-min", "private": true }' > .peer-min/package.json
  npm install --prefix .peer-min --no-audit --no-fund --no-package-lock --loglevel=error "aws-cdk-lib@$cdk_lib" "constructs@$constructs"
fi
echo "peer-min: the tests on aws-cdk-lib $cdk_lib"
PEER_DIR=.peer-min jest --config scripts/peer-min/jest.config.js "$@"
