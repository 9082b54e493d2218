import type { HandlerContext, HandlerDefinition } from '../handler-context';
import { EchoPayload, type EchoResult } from './echo.payload';

/**
 * A built-in diagnostic job type: returns its message, optionally after a delay or a few failed
 * attempts. Handy for smoke tests, benchmarks and seeing retries and cancellation at work.
 */
async function echoMessage(payload: EchoPayload, ctx: HandlerContext): Promise<EchoResult> {
  if (ctx.attempt <= (payload.failAttempts ?? 0)) {
    throw new Error(`echo: failing attempt ${ctx.attempt} of ${payload.failAttempts} on purpose`);
  }
  const delay = payload.delayMs ?? 0;
  for (let step = 1; step <= 10 && delay > 0; step++) {
    await sleep(delay / 10, ctx.signal);
    ctx.progress(step * 10);
  }
  ctx.log('info', `echo: ${payload.message ?? '(no message)'}`);
  return { echoed: payload.message ?? null, attempt: ctx.attempt };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error(`aborted: ${String(signal.reason)}`));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error(`aborted: ${String(signal.reason)}`));
      },
      { once: true },
    );
  });
}

export const echo: HandlerDefinition<EchoPayload, EchoResult> = {
  type: 'echo',
  description:
    'Returns its message, optionally after a delay (with progress) or a few failed attempts',
  payload: EchoPayload,
  run: echoMessage,
};
