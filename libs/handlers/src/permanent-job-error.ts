/**
 * Thrown by a handler when trying again cannot help (bad input, a missing source file): the job
 * fails for good at once, without using its retries.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Recognised by name too, so errors that crossed a process boundary (Lambda) keep their meaning. */
export function isPermanent(error: unknown): boolean {
  return (
    error instanceof PermanentJobError ||
    (error instanceof Error && error.name === 'PermanentJobError')
  );
}
