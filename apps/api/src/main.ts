import 'reflect-metadata';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { API_CONFIG_SECTIONS } from './api.module';
import { createApiApp } from './create-api-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(readEnv(), API_CONFIG_SECTIONS);
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
}

bootstrap().catch(exitOnStartupError);
