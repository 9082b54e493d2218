// Every package a file imports is declared in the package.json that installs it: production code
// (apps/ and libs/, tests aside) in `dependencies`, since the image installs no devDependencies;
// tests, scripts and tools in either. bench/ and infra/ are packages of their own. Imports are
// read with TypeScript's own pre-processor (static, dynamic and require), never by pattern.
// Usage: node scripts/check-imports.mjs (part of `npm run lint`); exits 1 naming each gap.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import ts from 'typescript';

const ROOT_FILES = /\.(ts|mts|cts|js|mjs|cjs)$/;
const OWN_PACKAGES = ['bench/', 'infra/'];
const ALIASES = /^@app\//;

/** The package a specifier names: `@scope/name` or `name`; null for relative and built-in ones. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || ALIASES.test(specifier))
    return null;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]))
    return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Build tools of apps/functions (esbuild) run at build time, not in the image. */
const BUILD_TOOLS = new Set(['apps/functions/build.ts', 'apps/functions/bundle.ts']);
const isProduction = (file) =>
  /^(apps|libs)\//.test(file) && !/\.spec\.ts$/.test(file) && !BUILD_TOOLS.has(file);

function main() {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
  const any = new Set([...runtime, ...Object.keys(pkg.devDependencies ?? {})]);
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => ROOT_FILES.test(f) && !OWN_PACKAGES.some((p) => f.startsWith(p)));
  const gaps = [];
  for (const file of files) {
    let source;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue; // listed by git but deleted in the working tree
    }
    const { importedFiles } = ts.preProcessFile(source, true, true);
    for (const { fileName } of importedFiles) {
      const name = packageOf(fileName);
      if (name === null) continue;
      const allowed = isProduction(file) ? runtime : any;
      if (!allowed.has(name)) {
        const where = any.has(name) ? 'dependencies (it is only a devDependency)' : 'package.json';
        gaps.push(`${file}: imports "${name}", which is not declared in ${where}`);
      }
    }
  }
  if (gaps.length > 0) {
    console.error([...new Set(gaps)].join('\n'));
    process.exit(1);
  }
}

main();
