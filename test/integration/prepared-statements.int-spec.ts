import { dataSourceOptions, queryRows } from '@app/database';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Prepared statements live on a connection. A migration that changes the type of a column a
 * statement returns makes PostgreSQL refuse that statement on every connection that prepared it
 * ("cached plan must not change result type"), so queryRows must drop such a connection and
 * answer from a fresh one, or the worker's claims would fail until every process restarted.
 */
describe('queryRows with prepared statements', () => {
  let db: TestDatabase;
  let one: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    // one connection, so the second call meets the statement the first one prepared
    one = await new DataSource({
      ...dataSourceOptions({ url: db.url, runMigrations: false, poolSize: 1 }),
      logging: false,
    }).initialize();
    await one.query(`CREATE TABLE widgets (id int PRIMARY KEY, name varchar(10))`);
    await one.query(`INSERT INTO widgets VALUES (1, 'a')`);
  });
  afterAll(async () => {
    await one.destroy();
    await db.drop();
  });

  const read = () =>
    queryRows<{ name: string }>(one.manager, `SELECT name FROM widgets WHERE id = $1`, [1], {
      prepared: true,
    });

  it('answers after a migration changed the type of a column the statement returns', async () => {
    const [{ pid: before }] = await one.query<{ pid: number }[]>(`SELECT pg_backend_pid() AS pid`);
    expect(await read()).toEqual([{ name: 'a' }]);
    await one.query(`ALTER TABLE widgets ALTER COLUMN name TYPE text`);
    expect(await read()).toEqual([{ name: 'a' }]);
    // the connection that held the stale statement is gone; the next one prepares it afresh
    const [{ pid: after }] = await one.query<{ pid: number }[]>(`SELECT pg_backend_pid() AS pid`);
    expect(after).not.toBe(before);
    expect(await read()).toEqual([{ name: 'a' }]);
  });

  it('still fails a statement for its own reasons, once', async () => {
    await expect(
      queryRows(one.manager, `SELECT 1 / $1::int AS x`, [0], { prepared: true }),
    ).rejects.toThrow('division by zero');
  });
});
