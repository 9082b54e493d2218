// A worker process for crash and tracing tests: the real WorkerModule plus the test job types.
import 'reflect-metadata';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { startTracing } from '@app/tracing';
import { NestFactory } from '@nestjs/core';
import { WORKER_CONFIG_SECTIONS, WorkerModule } from '../../apps/worker/src/worker.module';
import { record } from './test-handlers';

async function main(): Promise<void> {
  const config = loadConfig(readEnv(), WORKER_CONFIG_SECTIONS);
  await startTracing(config.tracing, 'jobqueue-worker'); // as apps/worker/src/main.ts does
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, [record]), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.init();
  process.stdout.write('worker ready\n');
}

main().catch(exitOnStartupError);
