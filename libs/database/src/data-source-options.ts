import type { DatabaseConfig } from '@app/config';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** The one description of our DataSource, shared by both apps, ormconfig.ts and the tests. */
export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: config.runMigrations,
    synchronize: false,
    logging: ['error', 'warn', 'migration'],
    // gen_random_uuid() is built into PostgreSQL 13+; creating pgcrypto would need superuser.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    extra: { max: config.poolSize },
  };
}
