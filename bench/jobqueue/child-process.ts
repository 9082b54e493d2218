/**
 * Starts one of our compiled entry points (worker-main, api-main) as its own process, the way
 * production runs compiled JavaScript: no ts-node in the measured process, so its CPU and memory
 * are the service's own. `@app/*` imports resolve through the build's register-paths.js.
 * startFromSource runs a development tool from its TypeScript instead (the local Lambda endpoint).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { BUILD_DIR, ROOT } from './bench-env';

const MAX_OUTPUT_CHARS = 20_000;

export interface ServiceProcess {
  pid: number;
  /** The line that matched `ready`. */
  readyLine: string;
  /** The last 20,000 characters of stdout and stderr. */
  output(): string;
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** `entry`: a source path under the repository root without extension, e.g. bench/jobqueue/worker-main. */
export function startCompiled(
  entry: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const args = [
    // node flags NODE_OPTIONS refuses, e.g. SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
    ...(process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '-r',
    path.join(BUILD_DIR, 'register-paths.js'),
    path.join(BUILD_DIR, `${entry}.js`),
  ];
  return start(entry, args, env, ready, timeoutMs);
}

/** `entry`: a TypeScript file under the repository root, without extension; run with ts-node. */
export function startFromSource(
  entry: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const args = [
    '-r',
    'ts-node/register/transpile-only',
    '-r',
    'tsconfig-paths/register',
    path.join(ROOT, `${entry}.ts`),
  ];
  return start(entry, args, env, ready, timeoutMs);
}

function start(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs: number,
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-MAX_OUTPUT_CHARS));
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (graceMs = 15_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      void stop(1000).then(() =>
        reject(new Error(`${entry} not ready after ${timeoutMs} ms:\n${out}`)),
      );
    }, timeoutMs);
    lines.on('line', (line) => {
      keep(Buffer.from(`${line}\n`));
      if (!ready.test(line)) return;
      clearTimeout(timer);
      resolve({ pid: child.pid!, readyLine: line, output: () => out, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}
