import type { AppConfig } from '@app/config';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { jobLogFields } from './job-log-context';
import { logDestination } from './log-destination';

/**
 * pino logs for both apps, JSON or pretty (LOG_FORMAT, see log-destination.ts). Each request gets
 * an id (request-id.ts, Fastify's) that nestjs-pino binds, through its async context, to every line logged
 * while the request is handled; each job attempt the worker runs binds its id the same way
 * (job-log-context.ts). Request lines carry method, url, status and latency, never a body or a
 * header; health probes are left out so they do not drown the rest.
 */
@Module({})
export class LoggingModule {
  /** `app` is each line's `name`: under `npm start` the api and the worker share one terminal. */
  static forApp(app: 'api' | 'worker'): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<AppConfig, true>) => {
            const log = config.get('log', { infer: true });
            const options: Options = {
              name: app,
              level: log.level,
              mixin: jobLogFields,
              // lines logged during a request carry `reqId`; only its completion line carries `req`
              quietReqLogger: true,
              autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
              redact: ['req.headers.authorization', 'req.headers.cookie'],
              serializers: {
                req: (req: { method: string; url: string }) => ({
                  method: req.method,
                  url: req.url,
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
            };
            const destination = logDestination(log.format);
            return { pinoHttp: destination ? [options, destination] : options };
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
