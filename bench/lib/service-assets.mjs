// The service's files that tsc does not emit (nest-cli.json's "assets" copies them for
// `npm run build`): the dashboard's page, styles and modules, which the api reads at start-up.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ASSETS = ['apps/api/src/dashboard/index.html', 'apps/api/src/dashboard/public'];

/** Copies the assets into a tsc build whose outDir mirrors the source tree. */
export function copyServiceAssets(build) {
  for (const asset of ASSETS)
    fs.cpSync(path.join(ROOT, asset), path.join(build, asset), { recursive: true });
}
