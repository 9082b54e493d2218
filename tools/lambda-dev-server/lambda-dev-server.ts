import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { build } from 'esbuild';
import { FunctionInstance, type RunOutcome } from './function-instance';

/** A function the dev server serves: its name and the TypeScript module exporting `handler`. */
export interface DevFunction {
  name: string;
  /** Path of a module exporting `handler` (apps/functions/src/<name>/main.ts). */
  entry: string;
  /** Lambda's timeout for the function, in ms (default 900 s, as deployed). */
  timeoutMs?: number;
  /** Environment of the function, over this process's environment. */
  env?: Readonly<Record<string, string>>;
}

export interface DevServerOptions {
  functions: readonly DevFunction[];
  /** 0 (default) picks a free port. */
  port?: number;
  region?: string;
  /** Where bundles are written (default .tmp/lambda-dev/<random>, removed by stop()). */
  outDir?: string;
  /** Receives the output of Event invocations, which have no caller to return it to. */
  onEventOutput?: (functionName: string, output: string) => void;
}

export interface LambdaDevServer {
  /** LAMBDA_ENDPOINT for the worker: `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Invocations running now (RequestResponse and Event). */
  readonly running: number;
  /** Process ids of the running invocations. */
  readonly pids: number[];
  stop(): Promise<void>;
}

interface Loaded extends DevFunction {
  bundle: string;
  timeoutMs: number;
}

const ROOT = path.resolve(__dirname, '../..');
const ROUTE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const ACCOUNT = '000000000000';
const TAIL_BYTES = 4096;
const LIMITS = { RequestResponse: 6_291_456, Event: 262_144 } as const;

/**
 * A development stand-in for the Lambda Invoke API on 127.0.0.1, serving the functions app's
 * entry points (no AWS here, and no npm emulator reproduces Invoke faithfully). Each function
 * is bundled once with esbuild and runs in child processes, one invocation at a time each,
 * reused while warm (like Lambda's execution environments) and killed at the function's
 * timeout. It reproduces what callers observe:
 * - 200 with the JSON result; 200 + `X-Amz-Function-Error: Unhandled` and
 *   `{ errorType, errorMessage, stackTrace }` for a thrown error;
 * - "Task timed out after N.NN seconds" (errorType Sandbox.Timedout) when the timeout kills it;
 * - `X-Amz-Log-Result`: base64 of the last 4 KB of output with START/END/REPORT lines, when
 *   `X-Amz-Log-Type: Tail`;
 * - 202 with no body for `X-Amz-Invocation-Type: Event` (the function runs in the background);
 * - 404 ResourceNotFoundException for an unknown function; 413 over the payload limits;
 * - `X-Amz-Executed-Version: $LATEST` and `x-amzn-RequestId` on every invocation.
 * Not a production component: no concurrency limits, no warm instances, no retries of Event.
 */
export async function startLambdaDevServer(options: DevServerOptions): Promise<LambdaDevServer> {
  const region = options.region ?? 'us-east-1';
  const outDir = options.outDir ?? path.join(ROOT, '.tmp/lambda-dev', randomUUID().slice(0, 8));
  const functions = await bundleAll(options.functions, outDir);
  const instances = new Set<FunctionInstance>();
  const idle = new Map<string, FunctionInstance[]>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(
          res,
          500,
          { Type: 'Service', Message: String(error) },
          { 'x-amzn-ErrorType': 'ServiceException' },
        );
    });
  });
  // Invocations may run for 15 minutes; keep-alive sockets outlive the SDK's idle ones.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = ROUTE.exec(url.pathname);
    const body = await readBody(req);
    if (req.method !== 'POST' || !match)
      return send(
        res,
        404,
        { Type: 'User', Message: `Unknown operation ${req.method} ${url.pathname}` },
        { 'x-amzn-ErrorType': 'UnknownOperationException' },
      );
    const name = decodeURIComponent(match[1]);
    const fn = functions.get(name);
    if (!fn)
      return send(
        res,
        404,
        {
          Type: 'User',
          Message: `Function not found: arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`,
        },
        { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
      );
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun')
      return send(
        res,
        400,
        { Type: 'User', Message: `Invalid invocation type ${type}` },
        { 'x-amzn-ErrorType': 'InvalidParameterValueException' },
      );
    const requestId = randomUUID();
    const common = { 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': '$LATEST' };
    if (type === 'DryRun') return send(res, 204, undefined, common);
    if (body.length > LIMITS[type])
      return send(
        res,
        413,
        {
          Type: 'User',
          Message: `${body.length} byte payload is too large for the ${type} invocation type (limit ${LIMITS[type]} bytes)`,
        },
        { 'x-amzn-ErrorType': 'RequestTooLargeException' },
      );
    let event: unknown;
    try {
      event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return send(
        res,
        400,
        { Type: 'User', Message: 'Could not parse request body into json' },
        { 'x-amzn-ErrorType': 'InvalidRequestContentException' },
      );
    }
    if (type === 'Event') {
      send(res, 202, undefined, common);
      const done = await run(fn, event, requestId);
      options.onEventOutput?.(name, done.output);
      return;
    }
    const done = await run(fn, event, requestId);
    const headers: Record<string, string> = { ...common };
    if (done.kind !== 'result') headers['X-Amz-Function-Error'] = 'Unhandled';
    if (header(req, 'x-amz-log-type') === 'Tail')
      headers['X-Amz-Log-Result'] = tail(done.output).toString('base64');
    send(res, 200, done.payload, headers);
  }

  /** A warm idle instance of the function, or a new one (a cold start). */
  function run(fn: Loaded, event: unknown, requestId: string): Promise<RunOutcome> {
    const pool = idle.get(fn.name) ?? [];
    idle.set(fn.name, pool);
    let instance = pool.pop();
    while (instance?.dead) instance = pool.pop();
    if (!instance) {
      instance = new FunctionInstance(
        {
          ...fn,
          env: { ...process.env, ...fn.env },
          runner: path.join(outDir, 'runner.js'),
          cwd: outDir,
        },
        (gone) => {
          instances.delete(gone);
          const at = pool.indexOf(gone);
          if (at >= 0) pool.splice(at, 1);
        },
      );
      instances.add(instance);
    }
    const taken = instance;
    return taken.invoke(event, requestId).finally(() => {
      if (!taken.dead) pool.push(taken);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get running() {
      return [...instances].filter((i) => i.busy).length;
    },
    get pids() {
      return [...instances]
        .filter((i) => i.busy)
        .map((i) => i.pid)
        .filter((pid): pid is number => pid !== undefined);
    },
    async stop() {
      for (const instance of instances) instance.kill();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.outDir) rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** Bundles the runner and every function once (node_modules stay external: they are right here). */
async function bundleAll(
  list: readonly DevFunction[],
  outDir: string,
): Promise<Map<string, Loaded>> {
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
    absWorkingDir: ROOT,
  } as const;
  await build({
    ...common,
    entryPoints: [path.join(__dirname, 'function-runner.ts')],
    outfile: path.join(outDir, 'runner.js'),
  });
  const loaded = new Map<string, Loaded>();
  await Promise.all(
    list.map(async (fn) => {
      const bundle = path.join(outDir, fn.name, 'index.js');
      await build({ ...common, entryPoints: [path.resolve(ROOT, fn.entry)], outfile: bundle });
      loaded.set(fn.name, { ...fn, bundle, timeoutMs: fn.timeoutMs ?? 900_000 });
    }),
  );
  return loaded;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function tail(output: string): Buffer {
  const bytes = Buffer.from(output, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES));
}
