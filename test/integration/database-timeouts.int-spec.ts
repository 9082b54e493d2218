import { DEFAULT_DATABASE_TIMEOUTS, pgPoolOptions } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { PgSqlClient } from '@app/handlers';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { startSilentServer, TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const SHORT = { ...DEFAULT_DATABASE_TIMEOUTS, connectMs: 500, statementMs: 1000, queryMs: 1000 };

/** Rejects with the error `work` failed with; fails the test if `work` is still pending after `ms`. */
async function failureWithin(work: Promise<unknown>, ms: number): Promise<Error> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, hung]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('still waiting')) throw error;
    return error as Error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a failure, but the work succeeded');
}

describe('PostgreSQL timeouts', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('gives up connecting to a server that accepts the connection and never answers', async () => {
    const silent = await startSilentServer();
    const url = `postgres://postgres@127.0.0.1:${silent.port}/jobqueue`;
    const ds = new DataSource({
      ...dataSourceOptions({ url, runMigrations: false, poolSize: 1, timeouts: SHORT }),
      logging: false,
    });
    const pool = new Pool({
      connectionString: url,
      ...pgPoolOptions({ poolSize: 1, timeouts: SHORT }),
    });
    try {
      const typeorm = await failureWithin(ds.initialize(), 15_000);
      expect(typeorm.message).toMatch(/timeout/i);
      const pg = await failureWithin(pool.query('SELECT 1'), 15_000);
      expect(pg.message).toMatch(/timeout/i);
      expect(silent.connections()).toBeGreaterThanOrEqual(2);
    } finally {
      await pool.end();
      await silent.close();
    }
  });

  it('fails a query the server stops answering, and discards that connection from the pool', async () => {
    const proxy = await TcpProxy.start(db.url);
    const ds = new DataSource({
      ...dataSourceOptions({
        url: proxy.urlFor(db.url),
        runMigrations: false,
        poolSize: 1,
        timeouts: SHORT,
      }),
      logging: false,
    });
    await ds.initialize();
    try {
      expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      proxy.freeze();
      const error = await failureWithin(ds.query('SELECT 2 AS two'), 15_000);
      expect(error.message).toBe('Query read timeout');
      // the server is reachable again on new connections; the frozen one must not be reused
      await proxy.resume();
      expect(await ds.query('SELECT 3 AS three')).toEqual([{ three: 3 }]);
    } finally {
      await ds.destroy().catch(() => undefined);
      await proxy.close();
    }
  });

  it('discards a connection whose transaction timed out in the functions’ PgSqlClient too', async () => {
    const proxy = await TcpProxy.start(db.url);
    const pool = new Pool({
      connectionString: proxy.urlFor(db.url),
      ...pgPoolOptions({ poolSize: 1, timeouts: SHORT }),
    });
    pool.on('error', () => undefined);
    const sql = new PgSqlClient(pool);
    try {
      expect(await sql.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      proxy.freeze();
      const error = await failureWithin(
        sql.transaction((tx) => tx.query('SELECT 2')),
        15_000,
      );
      expect(error.message).toBe('Query read timeout');
      await proxy.resume();
      expect(await sql.transaction((tx) => tx.query('SELECT 3 AS three'))).toEqual([{ three: 3 }]);
    } finally {
      await pool.end().catch(() => undefined);
      await proxy.close();
    }
  });

  it('has the server cancel a statement that runs past the statement timeout', async () => {
    const ds = new DataSource({
      ...dataSourceOptions({
        url: db.url,
        runMigrations: false,
        poolSize: 1,
        timeouts: { ...SHORT, queryMs: 3000 },
      }),
      logging: false,
    });
    await ds.initialize();
    try {
      await expect(ds.query('SELECT pg_sleep(5)')).rejects.toMatchObject({
        driverError: expect.objectContaining({ code: '57014' }) as unknown,
      });
      expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await ds.destroy();
    }
  });
});
