import { type ChildProcessByStdio, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Readable } from 'node:stream';

const ROOT = path.resolve(__dirname, '../..');

/** The emulators accept any credentials; the SDK's default chain reads these. */
export const EMULATOR_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

/**
 * Runs a TypeScript entry point (a path from the repository's root) in its own Node.js process,
 * from source, as `node main.js` would run its build: only PATH and `env` in its environment,
 * stdout and stderr piped.
 */
export function spawnFromSource(
  entry: string,
  env: Record<string, string>,
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', entry],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}
