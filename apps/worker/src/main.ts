import 'reflect-metadata';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { startTracing } from '@app/tracing';
import { createWorkerApp } from './create-worker-app';
import { WORKER_CONFIG_SECTIONS } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(readEnv(), WORKER_CONFIG_SECTIONS);
  // before the app is built: the SDK must be registered when the first request or message comes
  await startTracing(config.tracing, 'jobqueue-worker');
  const app = await createWorkerApp(config);
  await app.listen(config.http.workerHealthPort, config.http.host);
}

bootstrap().catch(exitOnStartupError);
