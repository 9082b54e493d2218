// jest's globalSetup runs outside moduleNameMapper: tsconfig-paths resolves the @app/* aliases
// that the libs imported below use themselves (libs/database imports @app/config).
import 'tsconfig-paths/register';
import { randomBytes } from 'node:crypto';
import { dataSourceOptions } from '../../libs/database/src';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { resolvePostgres } from '../../tools/dev-services/postgres-server';
import { startSqsEmulator } from '../../tools/dev-services/sqs-emulator';
import { TEST_ENV, withDatabase } from './test-env';

/**
 * Once per `npm test`: find or start PostgreSQL, migrate a template database with the real
 * migrations, start the SQS emulator, and publish where they are. Each test file then clones the template (fast, isolated).
 */
export default async function globalSetup(): Promise<void> {
  // The integration and browser projects both name this set-up: jest runs it once per project,
  // in one process; the second run finds the services of the first and shares them.
  if (globalThis.__JQ_TEARDOWN__) return;
  const pg = await resolvePostgres();
  const templateDb = `jq_template_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await admin.end();

  const dataSource = new DataSource({
    ...dataSourceOptions({
      url: withDatabase(pg.url, templateDb),
      runMigrations: false,
      poolSize: 1,
    }),
    logging: ['error'],
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();

  // the AWS SDK warns once per client that Node 20 support ends in 2027; Node 20 is what runs here
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sqs = await startSqsEmulator();
  process.env[TEST_ENV.sqsEndpoint] = sqs.endpoint;
  process.env[TEST_ENV.sqsPid] = String(sqs.pid);
  // the emulator accepts any credentials; the SDK's default chain reads these
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env[TEST_ENV.adminUrl] = pg.url;
  process.env[TEST_ENV.templateDb] = templateDb;
  globalThis.__JQ_TEARDOWN__ = async () => {
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${templateDb} WITH (FORCE)`);
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${templateDb.replace('template', 't')}%`],
    );
    for (const { datname } of rows)
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await client.end();
    await pg.stop();
    await sqs.stop();
  };
}

declare global {
  var __JQ_TEARDOWN__: (() => Promise<void>) | undefined;
}
