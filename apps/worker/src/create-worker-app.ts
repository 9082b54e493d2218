import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AnyHandlerDefinition } from '@app/handlers';
import { echoRequestId, requestId } from '@app/logging';
import { HttpMetricsHook } from '@app/metrics';
import { Logger } from 'nestjs-pino';
import { type WorkerConfig, WorkerModule } from './worker.module';

/**
 * The worker as production runs it: the processor plus a small HTTP server for /health and
 * /metrics.
 * Shutdown hooks make SIGTERM stop intake, drain running jobs and release the rest.
 */
export async function createWorkerApp(
  config: WorkerConfig,
  extraTypes?: readonly AnyHandlerDefinition[],
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config, extraTypes),
    new FastifyAdapter({ genReqId: requestId }),
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  echoRequestId(app);
  app.get(HttpMetricsHook).attach(app.getHttpAdapter().getInstance());
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
