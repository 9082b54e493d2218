/**
 * `npm run build:functions`: one zip-ready folder per Lambda function,
 * dist/functions/<name>/index.js (+ index.js.map); prints each artefact's size.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { bundleFunction } from './bundle';
import { FUNCTIONS } from './functions';

const OUT = path.resolve(__dirname, '../../dist/functions');

async function main(): Promise<void> {
  const built = await Promise.all(
    FUNCTIONS.map(async (fn) => ({
      name: fn.name,
      file: await bundleFunction(fn.entry, path.join(OUT, fn.name)),
    })),
  );
  for (const { name, file } of built) {
    const kb = (statSync(file).size / 1024).toFixed(0);
    console.log(`${name.padEnd(22)} ${kb.padStart(6)} KB  ${path.relative(process.cwd(), file)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
