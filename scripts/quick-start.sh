#!/usr/bin/env bash
# `npx projen test:quick-start` (after `npx projen package:js`): the README's quick start as a new
# user runs it. A new app from `cdk init app --language typescript` (the CDK CLI v2 of the dev
# dependencies), the packed tarball from dist/js/ installed with npm, bin/<app>.ts replaced by the
# first TypeScript block under "## Quick start" of README.md, then `cdk synth`. The synth must need
# no AWS account (no context lookup) and the template must pin and protect the task's image tag.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cdk="$root/node_modules/.bin/cdk"
tarball="$(ls -t "$root"/dist/js/*.tgz 2>/dev/null | head -1 || true)"
[ -n "$tarball" ] || { echo "quick-start: no dist/js/*.tgz; run npx projen package:js first"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
t0=$(date +%s)
step() { printf 'quick-start: %s (%ss)\n' "$*" "$(( $(date +%s) - t0 ))"; }

mkdir "$work/platform" && cd "$work/platform"
step "cdk init app --language typescript ($("$cdk" --version | cut -d' ' -f1))"
"$cdk" init app --language typescript --generate-only --no-notices >/dev/null

step "npm install (the app's dependencies and $(basename "$tarball"))"
npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null

step "bin/platform.ts := the quick start of README.md"
node -e '
  const readme = require("fs").readFileSync(process.argv[1], "utf8");
  const section = readme.slice(readme.indexOf("\n## Quick start\n"));
  const block = /\n```ts[^\n]*\n([\s\S]*?)\n```\n/.exec(section);
  if (!block) { console.error("quick-start: no ts block under ## Quick start in README.md"); process.exit(1); }
  require("fs").writeFileSync("bin/platform.ts", block[1] + "\n");
' "$root/README.md"

step "cdk synth"
"$cdk" synth --no-notices --no-version-reporting --quiet

step "check the cloud assembly"
node -e '
  const fs = require("fs");
  if (fs.existsSync("cdk.context.json")) throw new Error("synth looked up context: " + fs.readFileSync("cdk.context.json", "utf8"));
  const manifest = JSON.parse(fs.readFileSync("cdk.out/manifest.json", "utf8"));
  if (manifest.missing?.length) throw new Error("missing context: " + JSON.stringify(manifest.missing));
  const template = JSON.parse(fs.readFileSync("cdk.out/Platform.template.json", "utf8"));
  const resources = Object.values(template.Resources);
  const [repoId, repo] = Object.entries(template.Resources).find(([, r]) => r.Type === "AWS::ECR::Repository" && r.Properties.RepositoryName === "team-a/api");
  const rules = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
  if (JSON.stringify(rules[0].selection.tagPatternList) !== JSON.stringify(["v1.4.2"])) throw new Error("v1.4.2 is not protected: " + JSON.stringify(rules[0]));
  const task = resources.find(r => r.Type === "AWS::ECS::TaskDefinition");
  const image = JSON.stringify(task.Properties.ContainerDefinitions[0].Image);
  if (!image.includes(`{"Ref":"${repoId}"},":v1.4.2"`)) throw new Error("the task does not run team-a/api:v1.4.2: " + image);
  for (const type of ["AWS::ECS::Service", "AWS::ECR::PullThroughCacheRule", "AWS::ECR::ReplicationConfiguration"]) {
    if (!resources.some(r => r.Type === type)) throw new Error("no " + type + " in the template");
  }
  const version = require(require.resolve("aws-cdk-lib/package.json", { paths: [process.cwd()] })).version;
  console.log(`quick-start: Platform synthesizes with aws-cdk-lib ${version}: ${resources.length} resources, v1.4.2 pinned and protected`);
'
step "done"
