import type { Pool, PoolClient } from 'pg';
import type { SqlClient } from '../handler-context';

/**
 * SqlClient over a pg Pool (Lambda functions and tests); `transaction` runs on one pooled
 * connection, and calls inside it join that transaction.
 */
export class PgSqlClient implements SqlClient {
  constructor(
    private readonly db: Pool | PoolClient,
    private readonly inTransaction = false,
  ) {}

  async query<T = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<T[]> {
    const result = await this.db.query(sql, params as unknown[]);
    return result.rows as T[];
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    const client = await (this.db as Pool).connect();
    // A connection that cannot even roll back (its query timed out and it is still busy, or it
    // broke) is handed back with the error, so the pool discards it instead of reusing it.
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const value = await fn(new PgSqlClient(client, true));
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
