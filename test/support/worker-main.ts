// A worker process for crash tests: the real WorkerModule plus the test job types.
import 'reflect-metadata';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { WORKER_CONFIG_SECTIONS, WorkerModule } from '../../apps/worker/src/worker.module';
import { record } from './test-handlers';

async function main(): Promise<void> {
  const config = loadConfig(readEnv(), WORKER_CONFIG_SECTIONS);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, [record]), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.init();
  process.stdout.write('worker ready\n');
}

main().catch(exitOnStartupError);
