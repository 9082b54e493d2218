// A chaos api process: the real api app, with the chaos job types registered for validation.
import 'reflect-metadata';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { API_CONFIG_SECTIONS } from '../../../apps/api/src/api.module';
import { createApiApp } from '../../../apps/api/src/create-api-app';
import { CHAOS_TYPES } from './chaos-handlers';

async function main(): Promise<void> {
  const config = loadConfig(readEnv(), API_CONFIG_SECTIONS);
  const app = await createApiApp(config, CHAOS_TYPES);
  await app.listen(config.http.port, config.http.host);
  process.stdout.write('api ready\n');
}

main().catch(exitOnStartupError);
