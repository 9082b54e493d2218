// A standalone benchmark scenario (bench/burst.mjs, bench/events.mjs) as one compiled process:
// compile the service and bench/jobqueue with tsc into .tmp/bench-<name>-build (its own directory,
// so a concurrent `npm run bench` keeps its build), start the fauxqs emulator on loopback, and run
// the compiled entry point with the services in its environment (JQ_ADMIN_URL, SQS_ENDPOINT,
// PG_PID and FAUXQS_PID for the CPU accounting of common.mjs). Resolves with its exit code.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parentPid } from './common.mjs';
import { assertLoopback } from './loopback.mjs';
import { copyServiceAssets } from './service-assets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function compile(build, entry) {
  const t = Date.now();
  fs.rmSync(build, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const args = ['-p', 'bench/tsconfig.json', '--noEmit', 'false', '--noCheck', '--outDir', build];
  try {
    execFileSync(process.execPath, [tsc, ...args], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    // with --noCheck, tsc exits non-zero only on configuration problems and still emits
    if (!fs.existsSync(entry)) throw new Error(`tsc failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const { paths } = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'),
  ).compilerOptions;
  fs.writeFileSync(
    path.join(build, 'register-paths.js'),
    `require('tsconfig-paths').register({ baseUrl: __dirname, paths: ${JSON.stringify(paths)} });\n`,
  );
  copyServiceAssets(build);
  console.log(`compiled into ${path.relative(ROOT, build)} in ${(Date.now() - t) / 1000} s`);
}

/** The project's emulator launcher on a free loopback port; resolves with its endpoint. */
function emulator() {
  const script = path.join(ROOT, 'tools/dev-services/sqs-emulator.mjs');
  const child = spawn(process.execPath, [script, '--port', '0'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const ready = /"event":"ready","endpoint":"([^"]+)"/.exec(line);
      if (ready) resolve({ endpoint: ready[1], child });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before ready`)));
  });
}

/** The postmaster's pid: the parent of our backend (for CPU per process). */
async function postmasterPid(adminUrl) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query('SELECT pg_backend_pid() AS pid');
    return parentPid(rows[0].pid);
  } finally {
    await c.end();
  }
}

/**
 * Runs bench/jobqueue/<name>.ts compiled. `env`: more variables for it (e.g. JQ_BENCH_DB, which
 * names the databases whose PostgreSQL backends count as the benchmark's).
 */
export async function runStandalone(name, env = {}) {
  const adminUrl = process.env.JQ_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  assertLoopback('JQ_ADMIN_URL', new URL(adminUrl).hostname);
  const build = path.join(ROOT, `.tmp/bench-${name}-build`);
  const entry = path.join(build, `bench/jobqueue/${name}.js`);
  compile(build, entry);
  const pgPid = await postmasterPid(adminUrl);
  const { endpoint, child } = await emulator();
  try {
    const run = spawn(
      process.execPath,
      [
        '--disable-warning=NodeVersionSupportWarning',
        '-r',
        path.join(build, 'register-paths.js'),
        entry,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          JQ_ADMIN_URL: adminUrl,
          JQ_BENCH_ROOT: ROOT,
          JQ_BENCH_BUILD: build,
          SQS_ENDPOINT: endpoint,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_REGION: 'us-east-1',
          PG_PID: String(pgPid ?? ''),
          FAUXQS_PID: String(child.pid),
          ...env,
        },
        stdio: 'inherit',
      },
    );
    return await new Promise((resolve) => run.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    child.kill('SIGTERM');
  }
}

/** `main` of a standalone script: exits with the scenario's code, or 1 on an error. */
export function exitWith(promise) {
  promise.then(
    (code) => process.exit(code),
    (e) => {
      console.error(e?.stack ?? e);
      process.exit(1);
    },
  );
}
