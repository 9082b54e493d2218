import { randomUUID } from 'node:crypto';
import {
  FunctionInvoker,
  type FunctionHandler,
  type InvocationOutcome,
  type InvocationRequest,
} from './function-invoker';
import { functionFailure, serviceFailure } from './invocation-errors';
import { lastBytes } from './log-tail';

/**
 * FunctionInvoker that runs the functions app's handlers in this process: the same entry points
 * Lambda runs, without Lambda. For tests and single-box deployments; a function runs on the
 * caller's event loop, and an Event invocation runs in the background of this process.
 */
export class InProcessInvoker extends FunctionInvoker {
  private readonly background = new Set<Promise<unknown>>();

  /** `functions`: function name → its entry point (`handler` of apps/functions/src/<name>/main.ts). */
  constructor(private readonly functions: Readonly<Record<string, FunctionHandler>>) {
    super();
  }

  async invoke({
    functionName,
    event,
    invocationType,
  }: InvocationRequest): Promise<InvocationOutcome> {
    const handler = this.functions[functionName];
    if (!handler)
      return {
        ok: false,
        ...serviceFailure({
          name: 'ResourceNotFoundException',
          message: `Function not found: ${functionName}`,
          $metadata: { httpStatusCode: 404 },
        }),
      };
    const requestId = randomUUID();
    const lines: string[] = [];
    const context = {
      awsRequestId: requestId,
      functionName,
      writeLine: (l: string) => lines.push(l),
    };
    if (invocationType === 'Event') {
      const run = handler(event, context).catch(() => undefined);
      this.background.add(run);
      void run.finally(() => this.background.delete(run));
      return { ok: true, result: undefined, requestId };
    }
    try {
      const result = await handler(event, context);
      return {
        ok: true,
        result: jsonCopy(result),
        requestId,
        logTail: lastBytes(lines.join('\n')),
      };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return {
        ok: false,
        ...functionFailure({ errorType: e.name, errorMessage: e.message }),
        requestId,
        logTail: lastBytes(lines.join('\n')),
      };
    }
  }

  /** Waits for Event invocations still running (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.all(this.background);
  }
}

/** What crossing Lambda's JSON boundary does to a result (dates become strings, and so on). */
function jsonCopy(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}
