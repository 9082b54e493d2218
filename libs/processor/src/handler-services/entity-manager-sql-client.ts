import { queryRows } from '@app/database';
import type { SqlClient } from '@app/handlers';
import type { EntityManager } from 'typeorm';

/**
 * The handlers' SqlClient over the worker's TypeORM connection pool. Inside `transaction` every
 * statement runs on the transaction's connection, and nested calls join it.
 */
export class EntityManagerSqlClient implements SqlClient {
  constructor(private readonly manager: EntityManager) {}

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return queryRows<T>(this.manager, sql, [...params]);
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (this.manager.queryRunner?.isTransactionActive) return fn(this);
    return this.manager.transaction((m) => fn(new EntityManagerSqlClient(m)));
  }
}
