/**
 * What the worker sends a job's Lambda function (the invocation payload). The functions app
 * (apps/functions) reads the same shape; keep both sides in step.
 */
export interface FunctionEvent {
  jobId: string;
  /** The job's attempt: progress and outcome writes are fenced by it. */
  attempt: number;
  jobType: string;
  userId: string;
  /** The job's payload, when it fits in the invocation. */
  payload?: unknown;
  /**
   * Set instead of `payload` when the payload is over the invocation limit: the function reads
   * it from `jobs.payload` of `jobId` (it has DATABASE_URL).
   */
  payloadRef?: { table: 'jobs' };
  /**
   * Set for Event (fire-and-forget) invocations: Lambda returns nothing to the caller, so the
   * function records its outcome in `lambda_executions` (job_id, attempt) itself.
   */
  reportOutcome?: boolean;
  /**
   * W3C traceparent of the worker's span for this attempt, when tracing is on: the function's
   * span is its child. In the event rather than in Lambda's ClientContext so that Event
   * invocations and the local endpoint carry it too.
   */
  traceparent?: string;
}

/** Lambda's own limits on an invocation's payload, in bytes. */
export const LAMBDA_PAYLOAD_LIMITS = { RequestResponse: 6_291_456, Event: 262_144 } as const;

/** How much of a function's output Lambda returns with LogType Tail, in bytes. */
export const LOG_TAIL_BYTES = 4096;
