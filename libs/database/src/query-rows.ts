import type { EntityManager } from 'typeorm';

/**
 * Runs one SQL statement and returns its rows, whatever the command. (TypeORM's
 * `manager.query` returns `[rows, count]` for UPDATE and DELETE but bare rows otherwise.)
 * Inside a transaction the manager's own runner is used, so the statement joins it.
 */
export async function queryRows<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return result.records as T[];
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}

/** A parameterised SQL statement, for one library to compose with another's (CTEs). */
export interface SqlStatement {
  text: string;
  params: unknown[];
}
