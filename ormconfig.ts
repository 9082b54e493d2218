import { loadConfig, readEnv } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { DataSource } from 'typeorm';

/** The DataSource of the TypeORM CLI (npm run migration:run / migration:revert / migration:generate). */
export default new DataSource({
  ...dataSourceOptions(loadConfig(readEnv(), ['database']).database),
  migrationsRun: false,
});
