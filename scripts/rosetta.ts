/**
 * `npx projen rosetta` (after `npx projen compile`): every TypeScript sample of README.md and of the
 * doc comments' `@example`s compiles under `jsii-rosetta extract --strict` with the fixtures in
 * rosetta/, and the Python the translations show uses the names of the generated bindings.
 *
 * jsii-rosetta 6 writes Python names with its own snake-casing, which differs from jsii-pacmak's
 * for some names (`memoryLimitMiB` is `memory_limit_mi_b` in rosetta's Python and `memory_limit_mib`
 * in the binding). This script finds every identifier of this library and of aws-cdk-lib whose two
 * spellings differ, rewrites the ones the Python translations use to the binding's spelling in the
 * tablet (.jsii.tabl.json, shipped in the npm package, where jsii-pacmak and Construct Hub read
 * translations), and fails when a translation still uses a name that no binding has.
 */
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { join } from 'path';
import type * as Spec from '@jsii/spec';

// The very modules the jsii tools use (no dependencies of our own): jsii-pacmak's snake-casing and
// jsii-rosetta's assembly loader.
const fromTool = (tool: string, name: string) => createRequire(require.resolve(tool))(name);
const { toSnakeCase } = fromTool('jsii-pacmak', 'codemaker') as { toSnakeCase: (name: string) => string };
const spec = fromTool('jsii-rosetta', '@jsii/spec') as typeof Spec;

const ROOT = join(__dirname, '..');
const TABLET = join(ROOT, '.jsii.tabl.json');

/** jsii-rosetta 6's Python identifier (languages/python.ts, mangleIdentifier). */
export function rosettaPythonName(name: string): string {
  if (/^[A-Z]/.test(name)) return name;
  const cased = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
  return cased === 'lambda' ? 'lambda_' : cased;
}

/** jsii-pacmak's Python identifier for a property, method or parameter (codemaker's toSnakeCase). */
export function bindingPythonName(name: string): string {
  return toSnakeCase(name);
}

/** Every property, method and parameter name of the assemblies (the names keyword arguments and attributes use). */
function memberNames(assemblies: Spec.Assembly[]): Set<string> {
  const names = new Set<string>();
  for (const assembly of assemblies) {
    for (const type of Object.values(assembly.types ?? {})) {
      if (!spec.isClassOrInterfaceType(type)) continue;
      const callables = [...(type.methods ?? []), ...(spec.isClassType(type) && type.initializer ? [type.initializer] : [])];
      for (const p of type.properties ?? []) names.add(p.name);
      for (const m of callables) {
        if ('name' in m && typeof m.name === 'string') names.add(m.name);
        for (const p of m.parameters ?? []) names.add(p.name);
      }
    }
  }
  return names;
}

function main(): void {
  const own = spec.loadAssemblyFromPath(ROOT, false, ['intersection-types', 'class-covariant-overrides']);
  const cdk = spec.loadAssemblyFromPath(join(ROOT, 'node_modules', 'aws-cdk-lib'), false, ['intersection-types', 'class-covariant-overrides']);
  const names = memberNames([own, cdk]);
  const bindingNames = new Set([...names].map(bindingPythonName));
  // rosetta's spelling -> the binding's, for the names whose spellings differ (and where rosetta's
  // spelling is not itself the binding name of another member).
  const fixes = new Map<string, string>();
  for (const name of names) {
    if (/^[A-Z]/.test(name)) continue; // constants and enum members keep their case in both
    const [mangled, binding] = [rosettaPythonName(name), bindingPythonName(name)];
    if (mangled !== binding && !bindingNames.has(mangled)) fixes.set(mangled, binding);
  }

  const started = Date.now();
  const extract = spawnSync('jsii-rosetta', ['extract', '--strict'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (extract.status !== 0) {
    console.error(`rosetta: jsii-rosetta extract --strict failed (exit ${extract.status}); the fixtures are in rosetta/*.ts-fixture`);
    process.exit(1);
  }
  if (!existsSync(TABLET)) throw new Error(`jsii-rosetta wrote no ${TABLET}`);

  const tablet = JSON.parse(readFileSync(TABLET, 'utf8'));
  const snippets = Object.values<any>(tablet.snippets);
  const pattern = new RegExp(`\\b(${[...fixes.keys()].join('|') || '(?!)'})\\b`, 'g');
  const rewritten = new Map<string, number>();
  const unknown: string[] = [];
  for (const snippet of snippets) {
    const python = snippet.translations?.python;
    if (!python) continue;
    python.source = python.source.replace(pattern, (mangled: string) => {
      rewritten.set(mangled, (rewritten.get(mangled) ?? 0) + 1);
      return fixes.get(mangled)!;
    });
    // Keyword arguments must be parameters or struct fields of a binding.
    for (const [, keyword] of python.source.matchAll(/[(,\s]([a-z_][a-z0-9_]*)=(?!=)/g)) {
      if (!bindingNames.has(keyword)) unknown.push(`${where(snippet)}: ${keyword}=`);
    }
  }
  writeFileSync(TABLET, JSON.stringify(tablet, undefined, 2));

  const readme = snippets.filter(s => s.location?.api?.api === 'moduleReadme').length;
  console.log(`rosetta: ${snippets.length} samples compile under --strict (${readme} in README.md, ${snippets.length - readme} in doc comments), ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [mangled, count] of rewritten) {
    console.log(`rosetta: python ${mangled} -> ${fixes.get(mangled)} (the binding's name), ${count} time(s)`);
  }
  if (unknown.length > 0) {
    console.error(`rosetta: Python keyword arguments that no binding has:\n  ${unknown.join('\n  ')}`);
    process.exit(1);
  }
}

function where(snippet: any): string {
  const api = snippet.location?.api;
  const line = snippet.location?.field?.line;
  return api?.api === 'moduleReadme' ? `README.md:${line}` : `${api?.fqn ?? '?'}${line ? `:${line}` : ''}`;
}

if (require.main === module) main();
