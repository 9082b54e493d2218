import type { LambdaInvocationType } from '@app/config';
import type { FunctionEvent } from './function-event';

export interface InvocationRequest {
  functionName: string;
  event: FunctionEvent;
  invocationType: LambdaInvocationType;
  /** Stops waiting for a RequestResponse invocation (the function itself may run on). */
  signal?: AbortSignal;
}

/** A function error or a refused invocation, with whether another attempt could succeed. */
export interface InvocationFailure {
  /** The error's name as the function threw it ('PermanentJobError', 'Error', ...) or the Lambda API error code. */
  errorType: string;
  errorMessage: string;
  retryable: boolean;
  /** 'function': the code failed or timed out; 'service': the Lambda API refused the call. */
  origin: 'function' | 'service';
}

/**
 * The outcome of one invocation. A failed invocation is data (`ok: false`); only broken
 * infrastructure on our side, or the caller's abort, throws.
 */
export type InvocationOutcome = (
  | {
      ok: true;
      /** The function's return value (RequestResponse); undefined for Event. */ result: unknown;
    }
  | ({ ok: false } & InvocationFailure)
) & {
  /** Lambda's request id, when the call reached Lambda. */
  requestId?: string;
  /** Decoded last 4 KB of the function's output (RequestResponse with LogType Tail). */
  logTail?: string;
};

/**
 * The port the orchestrator invokes functions through. Two adapters: AwsLambdaInvoker (the
 * Lambda Invoke API, real AWS or the local Lambda endpoint) and InProcessInvoker (the same
 * function handlers run in this process, for tests and single-box deployments).
 */
export abstract class FunctionInvoker {
  abstract invoke(request: InvocationRequest): Promise<InvocationOutcome>;
}

/** What a Lambda entry point looks like to an invoker: the functions app's `handler` exports. */
export type FunctionHandler = (
  event: FunctionEvent,
  context?: FunctionRuntimeContext,
) => Promise<unknown>;

/** The parts of Lambda's context object our functions use, plus an optional line sink. */
export interface FunctionRuntimeContext {
  awsRequestId: string;
  functionName?: string;
  getRemainingTimeInMillis?(): number;
  /** Where the function's log lines go instead of the console (InProcessInvoker captures them). */
  writeLine?(line: string): void;
}
