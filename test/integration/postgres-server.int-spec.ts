import { existsSync } from 'node:fs';
import * as net from 'node:net';
import {
  createPgClient,
  startEmbeddedPostgres,
  type EmbeddedPostgresServer,
  type PgClient,
} from '../../tools/dev-services/postgres-server';

jest.setTimeout(60_000);

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
