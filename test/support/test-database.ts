import { randomBytes } from 'node:crypto';
import { dataSourceOptions } from '@app/database';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { requireTestEnv, withDatabase } from './test-env';

export interface TestDatabase {
  url: string;
  name: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file, cloned from the migrated template, so files can run in
 * parallel and never see each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = requireTestEnv('adminUrl');
  const template = requireTestEnv('templateDb');
  const name = `${template.replace('template', 't')}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (c) => createFromTemplate(c, name, template));
  const url = withDatabase(adminUrl, name);
  const dataSource = new DataSource({
    ...dataSourceOptions({ url, runMigrations: false, poolSize: 30 }),
    // tests provoke failing statements on purpose; their assertions say what matters
    logging: false,
  });
  await dataSource.initialize();
  return {
    url,
    name,
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Two files cloning at the same moment can collide on the template's lock: try again shortly. */
async function createFromTemplate(client: Client, name: string, template: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (error) {
      const busy = error instanceof Error && /being accessed by other users/.test(error.message);
      if (!busy || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
