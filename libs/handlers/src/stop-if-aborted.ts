/**
 * Like `signal.throwIfAborted()`, but always an Error naming the job type (the worker's abort
 * reasons are strings, which `throwIfAborted` would throw as they are).
 */
export function stopIfAborted(signal: AbortSignal, jobType: string): void {
  if (signal.aborted) throw new Error(`${jobType} aborted: ${String(signal.reason)}`);
}
