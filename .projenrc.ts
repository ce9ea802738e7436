import { awscdk, DependencyType, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-ecr-blueprints',
  description:
    'Secure-by-default Amazon ECR for AWS CDK: hardened repositories, lifecycle rules with a local preview, ' +
    'registry-wide replication, pull-through cache and creation templates, and ECS task definitions pinned to protected images.',
  author: 'cdk-ecr-blueprints maintainers',
  authorAddress: 'maintainers@users.noreply.example',
  repositoryUrl: 'https://github.com/cdk-ecr-blueprints/cdk-ecr-blueprints.git',
  license: 'Apache-2.0',
  keywords: ['aws', 'cdk', 'awscdk', 'aws-cdk', 'ecr', 'ecs', 'fargate', 'container-registry', 'security', 'lifecycle'],
  stability: 'stable',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,

  // The peer range starts at the oldest aws-cdk-lib the test suite passes on (2.270 applies an
  // acknowledgement of a validation plugin's rule to the whole app, not to the construct's scope;
  // 2.268 rejects the `::` in the cdk-nag acknowledgement ids this library writes); development
  // uses the latest, and `test:peer-min` runs the tests on the minimum.
  cdkVersion: '2.271.0',
  constructsVersion: '10.5.1',
  peerDependencyOptions: { pinnedDevDependency: false },
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',

  // No hosted CI here: .ci/run is the pipeline. Release automation is left to the publisher.
  github: false,
  release: false,

  devDeps: [
    'aws-cdk-lib@2.276.0',
    'cdk-nag@^3.0.2',
    'aws-cdk@^2.1148.1',
    'fast-check@^4',
    'tsx@^4',
    // AWS Control Tower proactive controls (cfn-guard rules and a bundled binary that runs offline).
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
  ],

  jestOptions: {
    jestVersion: '^29',
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      moduleNameMapper: {
        '^cdk-ecr-blueprints$': '<rootDir>/src/index.ts',
      },
      // Synthesizing whole stacks is CPU-bound; two workers fit the two-core machines this runs on.
      maxWorkers: 2,
      testTimeout: 60_000,
    },
  },

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts', 'bench', 'projenrc'],
  },

  tsconfigDev: {
    include: ['../src/**/*.ts', '../examples/**/*.ts', '../scripts/**/*.ts', '../bench/**/*.ts'],
    compilerOptions: {
      paths: { 'cdk-ecr-blueprints': ['../src/index.ts'] },
    },
  },

  publishToPypi: {
    distName: 'cdk-ecr-blueprints',
    module: 'cdk_ecr_blueprints',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkecrblueprints',
    mavenGroupId: 'io.github.cdk-ecr-blueprints',
    mavenArtifactId: 'cdk-ecr-blueprints',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkEcrBlueprints',
    packageId: 'CdkEcrBlueprints',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-ecr-blueprints/cdk-ecr-blueprints-go',
  },

  gitignore: ['cdk.out', '/dist/', '.bench/', '/.e2e/', '/node_modules', '/.jsii.tabl.json', '/.peer-min/'],
});

for (const p of ['/examples/', '/scripts/', '/bench/', '/docs/', '/.ci/', 'cdk.out', '/dist/codegen/', '/coverage/', '/rosetta/', '/.peer-min/']) {
  project.addPackageIgnore(p);
}

// jest 30 and resolver >= 3.10 pull in unrs-resolver, whose optional binaries the registry lacks.
project.addDevDeps('eslint-import-resolver-typescript@~3.8.7', 'ts-jest@^29', '@types/node@^20');

// Packaging for PyPI, Maven, NuGet and Go needs their toolchains and registries; the default
// package step builds the npm tarball only, and package:codegen proves the other bindings generate.
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package:js')!);

// ts-jest only transpiles; the `typecheck` task type-checks tests, examples and scripts in one pass.
project.jest?.config && Object.assign(project.jest.config, {
  transform: {
    '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
  },
});

// Node 20 works for every tool used here; the end-of-life banner only adds noise to CI logs. The
// jsii tools read a list of silenced major versions from this variable.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// jsii-diff compares with the latest release on npm; there is none yet, so the task would only
// print "does not exist, skipping" and pass. Bring it back with the first release.
project.removeTask('compat');

// Examples import the library by its package name (mapped to src/ by tsconfig paths) and scripts
// have their own tsconfig: tell the import resolver about both.
project.tryFindObjectFile('.eslintrc.json')?.addOverride('settings.import/resolver.typescript.project',
  ['./tsconfig.json', './test/tsconfig.json', './examples/tsconfig.json']);

const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, tests, examples and scripts',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);

project.addTask('examples', {
  description: 'Synthesize every example app into cdk.out/ and print a summary per stack (the main job)',
  exec: 'tsx --tsconfig examples/tsconfig.json scripts/synth-examples.ts',
  receiveArgs: true,
});

// The default build packages JavaScript only (the other registries are not reachable from every
// machine); this task proves the Python, Java, .NET and Go bindings generate.
project.addTask('package:codegen', {
  description: 'Generate (not build) the Python, Java, .NET and Go bindings with jsii-pacmak --code-only',
  exec: 'jsii-pacmak --code-only --target python --target java --target dotnet --target go --outdir dist/codegen',
});

// ---- ecosystem (issue 14): samples in every language, the quick start as pasted, the peer range ----
// Without the pinned dev dependency of the peers (above), constructs needs its own (projen drops
// the one given in devDeps when it declares the peer).
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);
project.addTask('rosetta', {
  description: 'After compile: every README and @example sample compiles under jsii-rosetta extract --strict (fixtures in rosetta/), Python names as in the bindings',
  exec: 'tsx scripts/rosetta.ts',
});
project.addTask('test:quick-start', {
  description: 'After package:js: the README quick start pasted into a new `cdk init app` with the packed tarball, then cdk synth (offline)',
  exec: 'bash scripts/quick-start.sh',
});
project.addTask('test:peer-min', {
  description: 'The tests on the minimum aws-cdk-lib of the peer range (installed in .peer-min/)',
  exec: 'bash scripts/peer-min/run.sh',
  receiveArgs: true,
});
// ---- end ecosystem ----

// ---- lifecycle-preview (issue 3): the command line, `cdk-ecr-blueprints lifecycle-preview` ----
project.addBins({ 'cdk-ecr-blueprints': 'lib/cli/main.js' });
// ---- end lifecycle-preview ----

// ---- proof on real tools (issue 6): end-to-end deploy, cfn-lint, synthesis benchmark ----
project.addTask('test:e2e', {
  description: 'Deploy every example with the CDK CLI to a local moto server (python3 with moto and boto3) and check ECR, ECS and KMS',
  exec: 'tsx scripts/e2e/run.ts',
  receiveArgs: true,
});
project.addTask('lint:cfn', {
  description: 'Synthesize every example and run cfn-lint once on every template under cdk.out/: zero errors and zero warnings',
  exec: 'tsx scripts/cfn-lint.ts',
});
project.addTask('bench', {
  description: 'Synthesis benchmark against hand-written aws-cdk-lib, N = 1, 50, 200, 800 (--write: docs/benchmarks.md, --ci: fewer sizes)',
  exec: 'tsx bench/run.ts',
  receiveArgs: true,
});
project.gitignore.exclude('__pycache__/');
// ---- end of proof block ----

project.synth();
