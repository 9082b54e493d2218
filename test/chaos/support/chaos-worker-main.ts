// A chaos worker process: the real WorkerModule plus the recording chaos job types.
import 'reflect-metadata';
import './clock-skew';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { WORKER_CONFIG_SECTIONS, WorkerModule } from '../../../apps/worker/src/worker.module';
import { CHAOS_TYPES } from './chaos-handlers';

async function main(): Promise<void> {
  const config = loadConfig(readEnv(), WORKER_CONFIG_SECTIONS);
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot(config, CHAOS_TYPES),
    { logger: ['error', 'warn'], abortOnError: false },
  );
  app.enableShutdownHooks();
  await app.init();
  process.stdout.write('worker ready\n');
}

main().catch(exitOnStartupError);
