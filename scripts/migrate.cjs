// Runs the pending migrations once and exits: the one-off task of a deploy (infra/ runs it
// before the services roll). The runtime image has no ts-node, so this loads the compiled api
// (nest build keeps libs beside apps under dist/apps/api) instead of ormconfig.ts. Same
// DataSource description as the apps; exit code 0 only when every migration is applied.
'use strict';
require('reflect-metadata');
const { join } = require('node:path');
const { DataSource } = require('typeorm');

const compiled = join(__dirname, '..', 'dist', 'apps', 'api', 'libs');
const { exitOnStartupError, loadConfig, readEnv } = require(join(compiled, 'config', 'src'));
const { dataSourceOptions } = require(join(compiled, 'database', 'src'));

async function main() {
  const { database } = loadConfig(readEnv(), ['database']);
  const dataSource = new DataSource({ ...dataSourceOptions(database), migrationsRun: false });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    process.stdout.write(
      `migrations: ${applied.length} applied${applied.map((m) => `\n  ${m.name}`).join('')}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch(exitOnStartupError);
