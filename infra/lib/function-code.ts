import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The repository root (infra/lib → ../..), where `npm run build:functions` writes its bundles. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Where `npm run build:functions` puts one folder per function, each with an index.js. */
export const DEFAULT_BUNDLES_DIR = join(REPO_ROOT, 'dist', 'functions');

/** Entry point inside every bundle: index.js exporting `handler`. */
export const FUNCTION_HANDLER = 'index.handler';

export type FunctionCode =
  | { kind: 'bundle'; code: lambda.Code; path: string }
  | { kind: 'stub'; code: lambda.Code; missingPath: string };

/**
 * The code of one function: its built bundle `<bundlesDir>/<name>/index.js` as an asset, or,
 * when the bundle is missing and `allowStub` is set, an inline placeholder that fails every
 * invocation with a message saying what to build. Without `allowStub` a missing bundle is an
 * error, so a deploy can never ship the placeholder by accident.
 */
export function functionCode(name: string, bundlesDir: string, allowStub: boolean): FunctionCode {
  const path = join(bundlesDir, name);
  if (existsSync(join(path, 'index.js'))) {
    return { kind: 'bundle', code: lambda.Code.fromAsset(path), path };
  }
  if (!allowStub) {
    throw new Error(
      `Function bundle ${join(path, 'index.js')} does not exist: run \`npm run build:functions\` ` +
        'at the repository root first (or synthesise with `-c stubMissingBundles=true` for a placeholder).',
    );
  }
  const message = `jobqueue placeholder: the bundle dist/functions/${name} was not built when this stack was synthesised (npm run build:functions)`;
  return {
    kind: 'stub',
    code: lambda.Code.fromInline(
      `exports.handler = async () => { throw new Error(${JSON.stringify(message)}); };`,
    ),
    missingPath: path,
  };
}
