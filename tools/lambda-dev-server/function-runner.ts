/**
 * One instance ("execution environment") of a bundled function, run in a child process the way
 * the Node.js Lambda runtime runs it: the module is loaded once (init), then invocations
 * arrive over IPC one at a time. Console lines are prefixed with the time, request id and
 * level; the result, or the error `{ errorType, errorMessage, stackTrace }`, goes back over IPC
 * after a marker line on stdout that ends the invocation's output. The dev server kills the
 * process at the function's timeout.
 */
import { format } from 'node:util';
import { OUTPUT_END } from './output-end';

interface InvokeMessage {
  event: unknown;
  requestId: string;
  functionName: string;
  deadline: number;
}

type Handler = (event: unknown, context: object) => Promise<unknown>;

const LEVELS = {
  log: 'INFO',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  debug: 'DEBUG',
  trace: 'TRACE',
} as const;

let requestId = '-';
for (const [method, level] of Object.entries(LEVELS)) {
  (console as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args) =>
    process.stdout.write(
      `${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}\n`,
    );
}

function send(message: object): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

function errorBody(error: unknown, errorType?: string) {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: errorType ?? e.name,
    errorMessage: e.message,
    stackTrace: (e.stack ?? '')
      .split('\n')
      .slice(1)
      .map((line) => line.trim()),
  };
}

function load(): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(process.argv[2]) as { handler?: Handler };
  if (typeof mod.handler !== 'function') throw new Error(`${process.argv[2]} exports no handler`);
  return mod.handler;
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  requestId = message.requestId;
  const context = {
    awsRequestId: message.requestId,
    functionName: message.functionName,
    functionVersion: '$LATEST',
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  let reply: { ok: boolean; payload: string };
  try {
    const result = await handler(message.event, context);
    reply = { ok: true, payload: JSON.stringify(result ?? null) };
  } catch (error) {
    const body = errorBody(error);
    console.error(`Invoke Error \t${JSON.stringify(body)}`);
    reply = { ok: false, payload: JSON.stringify(body) };
  }
  process.stdout.write(`${OUTPUT_END}\n`);
  await send(reply);
}

// Init: a module that fails to load fails the invocation, as Runtime.ImportModuleError.
let handler: Handler;
try {
  handler = load();
  void send({ ready: true });
  let queue = Promise.resolve();
  process.on('message', (message: InvokeMessage) => {
    queue = queue.then(() => invoke(handler, message));
  });
} catch (error) {
  process.stdout.write(`${OUTPUT_END}\n`);
  void send({ ok: false, payload: JSON.stringify(errorBody(error, 'Runtime.ImportModuleError')) });
}
