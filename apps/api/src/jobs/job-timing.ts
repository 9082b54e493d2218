import type { FieldProblem } from '../errors/request-validation.error';
import type { CreateJobRequestDto } from './dto/create-job.request.dto';

/** How far ahead a job may be due, and may expire after its due time. */
export const MAX_AHEAD_DAYS = 365;
export const MAX_DELAY_SECONDS = MAX_AHEAD_DAYS * 86_400;

/**
 * What the DTO's decorators cannot check alone: runAt and delaySeconds together, the one-year
 * horizon, expireAt after the due time, timeoutSeconds within the type's limit. `nowMs` is the
 * api's clock: good enough for a horizon of a year and for "expireAt is ahead"; whether a job is
 * due is decided by the database's clock. Fields are named under `prefix` (a batch's `jobs.<i>`).
 */
export function timingProblems(
  dto: Pick<CreateJobRequestDto, 'runAt' | 'delaySeconds' | 'expireAt' | 'timeoutSeconds'>,
  limits: { nowMs: number; maxTimeoutSeconds: number | undefined; jobType: string },
  prefix = '',
): FieldProblem[] {
  const field = (name: string) => (prefix ? `${prefix}.${name}` : name);
  // null is "not given", as class-validator's IsOptional reads it
  const { runAt, delaySeconds, expireAt, timeoutSeconds } = withoutNulls(dto);
  const problems: FieldProblem[] = [];
  const horizonMs = MAX_DELAY_SECONDS * 1000;
  let dueMs = limits.nowMs + (delaySeconds ?? 0) * 1000;
  if (runAt !== undefined && delaySeconds !== undefined) {
    const message = `${field('runAt')} and ${field('delaySeconds')} cannot both be given`;
    problems.push({ field: field('runAt'), message }, { field: field('delaySeconds'), message });
  } else if (runAt !== undefined) {
    dueMs = Math.max(Date.parse(runAt), limits.nowMs);
    if (Number.isNaN(dueMs))
      problems.push({ field: field('runAt'), message: `${field('runAt')} is not a valid time` });
    else if (dueMs > limits.nowMs + horizonMs)
      problems.push({
        field: field('runAt'),
        message: `${field('runAt')} must be at most ${MAX_AHEAD_DAYS} days ahead`,
      });
  }
  if (expireAt !== undefined) {
    const expireMs = Date.parse(expireAt);
    const after = runAt !== undefined ? 'runAt' : delaySeconds ? 'now + delaySeconds' : 'now';
    if (Number.isNaN(expireMs))
      problems.push({
        field: field('expireAt'),
        message: `${field('expireAt')} is not a valid time`,
      });
    else if (!(expireMs > dueMs))
      problems.push({
        field: field('expireAt'),
        message: `${field('expireAt')} must be later than ${after}`,
      });
    else if (expireMs > dueMs + horizonMs)
      problems.push({
        field: field('expireAt'),
        message: `${field('expireAt')} must be at most ${MAX_AHEAD_DAYS} days after ${after}`,
      });
  }
  const max = limits.maxTimeoutSeconds;
  if (timeoutSeconds !== undefined && max !== undefined && timeoutSeconds > max)
    problems.push({
      field: field('timeoutSeconds'),
      message: `${field('timeoutSeconds')} must not be greater than ${max} (the limit of job type "${limits.jobType}")`,
    });
  return problems;
}

function withoutNulls<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}
