import 'reflect-metadata';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { startTracing } from '@app/tracing';
import { API_CONFIG_SECTIONS } from './api.module';
import { createApiApp } from './create-api-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(readEnv(), API_CONFIG_SECTIONS);
  // before the app is built: the SDK must be registered when the first request or message comes
  await startTracing(config.tracing, 'jobqueue-api');
  const app = await createApiApp(config);
  await app.listen(config.http.port, config.http.host);
}

bootstrap().catch(exitOnStartupError);
