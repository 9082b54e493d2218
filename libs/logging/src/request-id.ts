import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A caller's id is kept only when it is short and plain: it is written into every log line of the
 * request, so a newline, an escape sequence or a kilobyte of text must not get there.
 */
const ACCEPTED = /^[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}$/;

/**
 * Fastify's genReqId (pass it to the FastifyAdapter): the caller's X-Request-Id when well-formed
 * (a proxy's or a client's, so their logs and ours share it), else a fresh UUID. Fastify's id is
 * the one pino-http logs as `reqId`: it hands it on to the raw request.
 */
export function requestId(req: { headers: IncomingHttpHeaders }): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
}

/** Every response says which id its log lines carry, errors included (set before routing). */
export function echoRequestId(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      done();
    });
}
