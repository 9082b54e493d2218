import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsUrl, Max, Min } from 'class-validator';
import { parseBoolean, parseInteger } from '../env-validation';

export class DatabaseEnv {
  /** PostgreSQL connection string, e.g. postgres://user:pass@host:5432/db */
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL!: string;

  /** Run pending migrations when an app starts. Turn off when a deploy step runs them. */
  @Transform(parseBoolean)
  @IsBoolean()
  DATABASE_RUN_MIGRATIONS = true;

  /** Connections per process. The worker holds one per in-flight batch plus the sweepers. */
  @Transform(parseInteger)
  @Min(1)
  @Max(200)
  @IsInt()
  DATABASE_POOL_SIZE = 10;

  /**
   * How long opening a connection may take, in ms (default 5000): the TCP connect and the
   * start-up handshake. Also the longest wait for a free connection when the pool is full.
   */
  @Transform(parseInteger)
  @Min(100)
  @Max(600_000)
  @IsInt()
  DATABASE_CONNECT_TIMEOUT_MS = 5000;

  /**
   * Server side: PostgreSQL cancels a statement that runs longer, in ms (default 30000). Raise it
   * for a deploy step that runs a long migration.
   */
  @Transform(parseInteger)
  @Min(100)
  @Max(86_400_000)
  @IsInt()
  DATABASE_STATEMENT_TIMEOUT_MS = 30_000;

  /**
   * Server side: PostgreSQL ends a session that sits idle inside an open transaction longer, in ms
   * (default 30000), so a stuck process cannot hold locks and a connection forever.
   */
  @Transform(parseInteger)
  @Min(100)
  @Max(86_400_000)
  @IsInt()
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

  /**
   * Client side: a query whose answer has not arrived after this long fails, in ms (default
   * 35000), and its connection is discarded. This is what bounds a query against a frozen server
   * or a half-open connection, where the server-side timeout cannot act. At least the statement
   * timeout, so a slow statement is cancelled by the server first.
   */
  @Transform(parseInteger)
  @Min(100)
  @Max(86_400_000)
  @IsInt()
  DATABASE_QUERY_TIMEOUT_MS = 35_000;

  /**
   * TCP keep-alive on every connection; the first probe goes out after this much idle time, in ms
   * (default 10000). Finds connections a failover or a NAT silently dropped.
   */
  @Transform(parseInteger)
  @Min(1000)
  @Max(3_600_000)
  @IsInt()
  DATABASE_KEEPALIVE_INITIAL_DELAY_MS = 10_000;
}

/** Every limit on how long the database may keep us waiting, in ms. */
export interface DatabaseTimeouts {
  connectMs: number;
  statementMs: number;
  idleInTransactionMs: number;
  queryMs: number;
  keepAliveInitialDelayMs: number;
}

export interface DatabaseConfig {
  url: string;
  runMigrations: boolean;
  poolSize: number;
  timeouts: DatabaseTimeouts;
}

/** The defaults of DatabaseEnv, for code that builds a DatabaseConfig by hand (tests, tools). */
export const DEFAULT_DATABASE_TIMEOUTS: Readonly<DatabaseTimeouts> = timeoutsOf(new DatabaseEnv());

function timeoutsOf(env: DatabaseEnv): DatabaseTimeouts {
  return {
    connectMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    queryMs: env.DATABASE_QUERY_TIMEOUT_MS,
    keepAliveInitialDelayMs: env.DATABASE_KEEPALIVE_INITIAL_DELAY_MS,
  };
}

export const toDatabaseConfig = (env: DatabaseEnv): DatabaseConfig => ({
  url: env.DATABASE_URL,
  runMigrations: env.DATABASE_RUN_MIGRATIONS,
  poolSize: env.DATABASE_POOL_SIZE,
  timeouts: timeoutsOf(env),
});

/** Cross-variable rule: the server cancels a slow statement before the client gives up on it. */
export function databaseProblems(env: DatabaseEnv): string[] {
  return env.DATABASE_QUERY_TIMEOUT_MS < env.DATABASE_STATEMENT_TIMEOUT_MS
    ? [
        `DATABASE_QUERY_TIMEOUT_MS must be at least DATABASE_STATEMENT_TIMEOUT_MS (got ${env.DATABASE_QUERY_TIMEOUT_MS} and ${env.DATABASE_STATEMENT_TIMEOUT_MS})`,
      ]
    : [];
}

/**
 * node-postgres Pool and Client options for these settings; the one mapping both the TypeORM
 * DataSource and the Lambda functions' own Pool use. `connectionTimeoutMillis` bounds both the
 * connect and, in pg-pool, the wait for a free connection.
 */
export function pgPoolOptions(config: Pick<DatabaseConfig, 'poolSize' | 'timeouts'>) {
  const t = config.timeouts;
  return {
    max: config.poolSize,
    connectionTimeoutMillis: t.connectMs,
    statement_timeout: t.statementMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    query_timeout: t.queryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveInitialDelayMs,
  };
}
