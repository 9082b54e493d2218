import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseConfig, pgPoolOptions } from '@app/config';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { DiscardOnTimeoutClient } from './pg-client';
import { QueryTextLogger } from './query-text-logger';

/** A DatabaseConfig as loaded, or built by hand (tests, tools) with the default timeouts. */
export type DataSourceConfig = Omit<DatabaseConfig, 'timeouts'> &
  Partial<Pick<DatabaseConfig, 'timeouts'>>;

/** The one description of our DataSource, shared by both apps, ormconfig.ts and the tests. */
export function dataSourceOptions(config: DataSourceConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: config.runMigrations,
    synchronize: false,
    // Failed queries are logged with their text, never their parameters (see QueryTextLogger).
    logger: new QueryTextLogger(),
    // gen_random_uuid() is built into PostgreSQL 13+; creating pgcrypto would need superuser.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    // Every wait on the server is bounded (see DatabaseEnv); a connection whose query timed out
    // is discarded rather than pooled again (see DiscardOnTimeoutClient).
    extra: {
      ...pgPoolOptions({
        poolSize: config.poolSize,
        timeouts: config.timeouts ?? DEFAULT_DATABASE_TIMEOUTS,
      }),
      Client: DiscardOnTimeoutClient,
    },
  };
}
