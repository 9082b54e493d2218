import 'reflect-metadata';
import { exitOnStartupError, loadConfig, readEnv } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WORKER_CONFIG_SECTIONS, WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(readEnv(), WORKER_CONFIG_SECTIONS);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
}

bootstrap().catch(exitOnStartupError);
