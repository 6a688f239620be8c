#!/usr/bin/env node
// Project rules a type checker does not see (STYLE.md "Boundaries", "index.ts", "Tests"):
// - core imports only tsyringe, reflect-metadata, zod and node: builtins;
// - every package imports @agentrt/* only through public entry points, and depends only on
//   the siblings DESIGN.md allows;
// - package.json shape (type module, sideEffects false, exports with @agentrt/source first);
// - index.ts files are explicit export lists (no `export *`);
// - no focused tests (.only) and no JS evaluator in tool packs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const report = (file, message) => problems.push(`${relative(root, file)}: ${message}`);

/** Sibling packages each package kind may depend on (DESIGN.md "Packages"). */
const ALLOWED_SIBLINGS = {
  core: [],
  'worker-bullmq': ['core', 'store-redis'],
  'store-postgres': ['core'],
  cli: ['*'],
  testing: ['core', 'store-memory'],
  'model-ai-sdk': ['core'],
};

/**
 * Packages whose sources may import only these outside packages (besides @agentrt siblings and
 * node: builtins); `type` ones only with `import type` (nothing of them loads at runtime).
 */
const ALLOWED_EXTERNAL = {
  'model-ai-sdk': { '@ai-sdk/provider': 'type' },
};
const siblingsFor = (name) => ALLOWED_SIBLINGS[name] ?? ['core'];

function files(dir, predicate, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files(path, predicate, out);
    else if (predicate(path)) out.push(path);
  }
  return out;
}

const importsOf = (source) => [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2] ?? m[3]);

for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg);
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.type !== 'module') report(manifestPath, '"type" must be "module"');
  if (manifest.sideEffects !== false) report(manifestPath, '"sideEffects" must be false');
  const dot = manifest.exports?.['.'];
  if (!dot || Object.keys(dot)[0] !== '@agentrt/source') report(manifestPath, 'exports["."] must start with the "@agentrt/source" condition');
  const allowed = siblingsFor(pkg);
  for (const field of ['dependencies', 'peerDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      if (!dep.startsWith('@agentrt/')) continue;
      const sibling = dep.slice('@agentrt/'.length);
      if (!allowed.includes('*') && !allowed.includes(sibling)) report(manifestPath, `${field} on ${dep} is not allowed for ${pkg} (DESIGN.md package table)`);
    }
  }
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  for (const file of files(join(dir, 'src'), (p) => p.endsWith('.ts'))) {
    const source = readFileSync(file, 'utf8');
    if (file.endsWith('index.ts') && /export\s*\*\s*from/.test(source)) report(file, 'index.ts must list its exports explicitly (no export *)');
    for (const spec of importsOf(source)) {
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (pkg === 'core' && !['tsyringe', 'reflect-metadata', 'zod'].includes(name)) report(file, `core may import only tsyringe, reflect-metadata and zod, not ${spec}`);
      if (name.startsWith('@agentrt/') && spec !== name) report(file, `deep import ${spec}: use the package's public entry point`);
      if (name.startsWith('@agentrt/') && !declared.has(name)) report(file, `${name} is imported but not declared in package.json`);
      const external = ALLOWED_EXTERNAL[pkg];
      if (external && !name.startsWith('@agentrt/')) {
        if (!(name in external)) report(file, `${pkg} may import only ${Object.keys(external).join(', ')} besides @agentrt packages, not ${spec}`);
        else if (external[name] === 'type' && new RegExp(`(?:^|\\n)\\s*import\\s+(?!type\\b)[^'"]*from\\s*['"]${spec.replace(/[/.]/g, '\\$&')}['"]`).test(source)) {
          report(file, `${spec} may be imported with \`import type\` only in ${pkg} (nothing of it loads at runtime)`);
        }
      }
    }
    if (pkg.startsWith('tools-') && /\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(|node:vm|from\s+['"]vm['"]/.test(source)) report(file, 'tool packs must not contain a JavaScript evaluator (eval, Function, vm)');
  }
}

for (const file of files(root, (p) => /\.(test|spec)\.ts$/.test(p) && !p.includes('node_modules'))) {
  const source = readFileSync(file, 'utf8');
  if (/\b(it|test|describe)\.only\(/.test(source)) report(file, 'focused test (.only) hides the rest of the suite');
}

for (const example of existsSync(join(root, 'examples')) ? readdirSync(join(root, 'examples')) : []) {
  for (const file of files(join(root, 'examples', example), (p) => p.endsWith('.ts'))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('@agentrt/') && spec.split('/').length > 2) report(file, `examples use public exports only: ${spec}`);
    }
  }
}

if (problems.length) {
  console.error(`lint: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('lint: ok');
