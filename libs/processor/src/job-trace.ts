import type { Job } from '@app/jobs';
import { type Attributes, type Context, type Link, trace } from '@opentelemetry/api';
import { contextWithParent, jobTracer, runInSpan, spanContextOf, tracingOn } from '@app/tracing';

/** When a received batch's claim statement ran, and what its message said of the trace. */
export interface ClaimTiming {
  startedAt: number;
  endedAt: number;
  /** The `traceparent` attribute of the message that announced the job (the relay's send span). */
  messageTraceParent: string | undefined;
}

/** Epoch ms with a fraction, for span times (Date.now() is too coarse for a claim of 2 ms). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * One attempt's spans in the worker: `claim`, `job <type>` (the handler, or the Lambda call that
 * runs it) and `complete` (recording the outcome), siblings under the job's parent. The parent
 * is the relay's send span when the message's attribute names the job's own trace (always, for
 * a message of one job), else the span that submitted the job (jobs.trace_parent; the message is
 * then linked): a packed message may carry jobs of many traces, and a retry or a re-sent message
 * still finds the job's trace in its row. A job submitted untraced starts a trace of its own,
 * rooted at its claim span.
 */
export class JobTrace {
  private constructor(
    private readonly parent: Context,
    private readonly attributes: Attributes,
  ) {}

  /** The attempt's trace, with its claim span recorded; undefined when tracing is off. */
  static claimed(job: Job, claim: ClaimTiming): JobTrace | undefined {
    if (!tracingOn()) return undefined;
    const own = spanContextOf(job.traceParent);
    const message = spanContextOf(claim.messageTraceParent);
    const viaMessage = message && (!own || own.traceId === message.traceId);
    const links: Link[] = message && !viaMessage ? [{ context: message }] : [];
    const attributes = {
      'jobqueue.job.id': job.id,
      'jobqueue.job.type': job.jobType,
      'jobqueue.job.attempt': job.attempt,
    };
    const parent = contextWithParent(viaMessage ? message : own);
    const claimSpan = jobTracer().startSpan(
      'claim',
      { startTime: claim.startedAt, links, attributes },
      parent,
    );
    claimSpan.end(claim.endedAt);
    // with no parent at all, the claim is the root and the attempt's other spans its children
    return new JobTrace(viaMessage || own ? parent : trace.setSpan(parent, claimSpan), attributes);
  }

  /**
   * Runs `fn` inside a span named `name` (active while it runs, so a Lambda invocation or a child
   * job made there carries it); a rejection marks the span failed and is passed on.
   */
  inSpan<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const span = jobTracer().startSpan(name, { attributes: this.attributes }, this.parent);
    return runInSpan(span, this.parent, fn);
  }
}

/** `fn` in the attempt's span `name`, or just `fn` when the attempt is not traced. */
export function inJobSpan<T>(
  jobTrace: JobTrace | undefined,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  return jobTrace ? jobTrace.inSpan(name, fn) : fn();
}
