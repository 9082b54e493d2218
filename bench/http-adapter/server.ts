/**
 * One api process for the benchmark: `server.ts fastify|express`. Configuration comes from the
 * environment through libs/config, like the real api. Fastify is built by createApiApp exactly
 * as production runs it; Express gets the same ApiModule (guards, validation pipe, exception
 * filter, logging) on Nest's Express adapter, with the same body limit.
 */
import 'reflect-metadata';
import { loadConfig, readEnv } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { API_CONFIG_SECTIONS, ApiModule } from '../../apps/api/src/api.module';
import { createApiApp } from '../../apps/api/src/create-api-app';

async function main(): Promise<void> {
  const adapter = process.argv[2];
  const config = loadConfig(readEnv(), API_CONFIG_SECTIONS);
  let app;
  if (adapter === 'fastify') {
    app = await createApiApp(config);
  } else if (adapter === 'express') {
    const express = await NestFactory.create<NestExpressApplication>(
      ApiModule.forRoot(config),
      new ExpressAdapter(),
      { bufferLogs: true, abortOnError: false },
    );
    express.useLogger(express.get(Logger));
    express.useBodyParser('json', { limit: config.http.bodyLimitBytes });
    app = express;
  } else {
    throw new Error('usage: server.ts fastify|express');
  }
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  process.stdout.write(`listening ${url.replace('[::1]', '127.0.0.1')}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
