import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A caller's id is kept only when it is short and plain: it is written into every log line of the
 * request, so a newline, an escape sequence or a kilobyte of text must not get there.
 */
const ACCEPTED = /^[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}$/;

/**
 * pino-http's genReqId: the caller's X-Request-Id when well-formed (a proxy's or a client's, so
 * their logs and ours share it), else a fresh UUID; echoed in the response either way.
 */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
