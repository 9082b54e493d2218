import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * An AbortSignal that fires when the response's connection closes: a request that waits (GET
 * /jobs/:id?waitSeconds) stops waiting for a client that went away. It also fires after a
 * normal answer, when nothing listens any more.
 */
export const ClientGone = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const reply = ctx.switchToHttp().getResponse<FastifyReply>();
  const gone = new AbortController();
  reply.raw.once('close', () => gone.abort());
  return gone.signal;
});
