import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AnyHandlerDefinition } from '@app/handlers';
import { echoRequestId, requestId } from '@app/logging';
import { HttpMetricsHook } from '@app/metrics';
import { traceHttpRequests } from '@app/tracing';
import { Logger } from 'nestjs-pino';
import { type ApiConfig, ApiModule } from './api.module';
import { serveDashboard } from './dashboard/serve-dashboard';
import { setupSwagger } from './docs/swagger';

/**
 * The REST API's routes, but not the event streams: a stream stays open for hours, and a span
 * as long would say nothing about the request.
 */
const tracedRoute = (route: string) => route.startsWith('/api/') && !route.endsWith('/events');

/** Builds the api exactly as production runs it; main.ts and the e2e tests both use this. */
export async function createApiApp(
  config: ApiConfig,
  extraTypes?: readonly AnyHandlerDefinition[],
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, extraTypes),
    new FastifyAdapter({
      bodyLimit: config.http.bodyLimitBytes,
      genReqId: requestId,
      // a user id in a path (fair shares) may be 255 characters, percent-encoded up to three times
      // as many; Fastify's default (100) would answer 414 before validation could name the field
      routerOptions: { maxParamLength: 800 },
    }),
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  // JSON only: a text/plain body would otherwise reach validation as a string (415 instead).
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  echoRequestId(app);
  app.get(HttpMetricsHook).attach(app.getHttpAdapter().getInstance());
  traceHttpRequests(app.getHttpAdapter().getInstance(), tracedRoute);
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await serveDashboard(app);
  await app.init();
  setupSwagger(app);
  return app;
}
