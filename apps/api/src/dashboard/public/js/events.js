// Live updates over the api's Server-Sent Events streams (GET /api/v1/jobs/events,
// GET /api/v1/jobs/:id/events). Read with fetch, not EventSource, so a stream carries the same
// bearer header as every other call: no stream token to mint and renew, none in URLs or logs.
import { tokenRefused } from './api.js';
import { session } from './session.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Opens `path` and calls `on[event name](data)` for each event (`status`, `progress`, `log`,
 * `reset`). After a dropped connection it reconnects with Last-Event-ID, so no status change is
 * missed. `on.gone(status)`: the api refused the stream (a 4xx); it is not reopened.
 * Returns a function that closes the stream.
 */
export function openStream(path, on) {
  const controller = new AbortController();
  let lastId = null;
  let delay = FIRST_RETRY_MS;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.token()}` };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const res = await fetch(path, { headers, signal: controller.signal, cache: 'no-store' });
        // a refusal (bad token, not allowed, no such job) does not change by asking again
        if (res.status === 401) tokenRefused.dispatchEvent(new Event('refused'));
        if (res.status >= 400 && res.status < 500 && ![408, 429].includes(res.status))
          return on.gone?.(res.status);
        if (!res.ok || !res.body) throw new Error(`the stream answered ${res.status}`);
        delay = FIRST_RETRY_MS;
        on.open?.();
        await readEvents(res.body, controller.signal, (event) => {
          if (event.id) lastId = event.id;
          on[event.name]?.(event.data);
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      on.interrupted?.();
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  };
  void run();
  return () => controller.abort();
}

/** Reads SSE blocks (separated by a blank line) until the body ends. */
async function readEvents(body, signal, emit) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = /\r?\n\r?\n/.exec(buffer))) {
      const event = parseBlock(buffer.slice(0, end.index));
      buffer = buffer.slice(end.index + end[0].length);
      if (event) emit(event);
    }
  }
}

/** One event block; comment lines (`: ping`) and blocks without data give null. */
function parseBlock(block) {
  let name = 'message';
  let id = null;
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  return { name, id, data: JSON.parse(data.join('\n')) };
}
