import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { type EntityManager, QueryFailedError } from 'typeorm';
import { sqlState } from './sql-errors';

/**
 * Runs one SQL statement and returns its rows, whatever the command. (TypeORM's
 * `manager.query` returns `[rows, count]` for UPDATE and DELETE but bare rows otherwise.)
 * Inside a transaction the manager's own runner is used, so the statement joins it.
 *
 * `prepared`: the statement is a named prepared statement on each connection (its name is a
 * hash of its text), so PostgreSQL parses and plans it once per connection instead of once per
 * call. For the hot, fixed statements only (the transitions): a statement whose text varies per
 * call would leave a prepared statement behind for every variant. Failures are TypeORM's
 * QueryFailedError and are logged, as for any other query.
 */
export async function queryRows<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
  options: { prepared?: boolean } = {},
): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  let stale = false;
  try {
    if (!options.prepared) {
      const result = await runner.query(sql, params, true);
      return result.records as T[];
    }
    const client = (await runner.connect()) as PoolClient;
    try {
      const result = await client.query({ name: statementName(sql), text: sql, values: params });
      return result.rows as T[];
    } catch (error) {
      manager.connection.logger.logQueryError(error as Error, sql, params, runner);
      if (STALE_STATEMENT.has(sqlState(error) ?? '')) {
        // The statement was prepared before a migration changed what it returns (or the server
        // forgot it): this connection would fail it every time, so it goes, with its statements.
        // (ended before the runner releases it, the pool drops it: see DiscardOnTimeoutClient)
        stale = true;
        client.end().catch(() => undefined);
      }
      throw new QueryFailedError(sql, params, error as Error);
    }
  } catch (error) {
    // once more, unprepared, on a fresh connection, unless the caller's transaction holds this one
    if (stale && !manager.queryRunner) return queryRows<T>(manager, sql, params);
    throw error;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/**
 * SQLSTATEs of a prepared statement that can no longer run on its connection: 0A000 "cached plan
 * must not change result type" (a column it returns changed type), 26000 invalid statement name.
 */
const STALE_STATEMENT = new Set(['0A000', '26000']);

const names = new Map<string, string>();

function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `jq_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}

/** A parameterised SQL statement, for one library to compose with another's (CTEs). */
export interface SqlStatement {
  text: string;
  params: unknown[];
}
