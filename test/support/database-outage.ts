import { Client } from 'pg';
import { requireTestEnv } from './test-env';

/**
 * Runs `fn` while the database `name` is away for real: new connections are refused and every
 * existing one is ended (as the server's admin, outside the database under test).
 */
export async function whileDatabaseRefuses<T>(name: string, fn: () => Promise<T>): Promise<T> {
  await asServerAdmin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  try {
    await asServerAdmin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [name],
    );
    return await fn();
  } finally {
    await asServerAdmin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  }
}

async function asServerAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: requireTestEnv('adminUrl') });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}
