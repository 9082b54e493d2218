import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const STARTED = 'Nest application successfully started';

/**
 * What an app's main.ts writes to stdout from start until it is up, then stops it. `tty`: stdout
 * is a terminal (a pseudo-terminal from util-linux `script`), as under `npm start`; else a pipe.
 * Only PATH and `env` in its environment, like spawnFromSource.
 */
export function outputUntilStarted(
  app: 'api' | 'worker',
  env: Record<string, string>,
  opts: { tty?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const node = [process.execPath, '-r', 'ts-node/register/transpile-only'];
  const argv = [...node, '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`];
  const [command, ...args] = opts.tty ? ['script', '-qec', argv.join(' '), '/dev/null'] : argv;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stopping it stops `script` and the app under it
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<string>((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `${app} did not start within ${opts.timeoutMs ?? 30_000} ms:\n${stdout}\n${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes(STARTED)) {
        stop();
        resolve(stdout);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!stdout.includes(STARTED))
        reject(new Error(`${app} exited (${code}) before starting:\n${stdout}\n${stderr}`));
    });
  });
}
