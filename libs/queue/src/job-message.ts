/**
 * The body of every SQS message: the jobs it announces, each with the attempt it was sent for,
 * never a payload (payloads live in PostgreSQL, so SQS's 256 KB limit never applies to them).
 * A message announces one job (version 1) or, when the outbox relay has several to send at once
 * (a bulk submission, a burst), up to MAX_JOBS_PER_MESSAGE of them (version 2): one send, one
 * receive, one delete and one claim statement for all of them.
 */
export interface JobMessage {
  jobId: string;
  attempt: number;
}

/**
 * Most jobs one message announces. A worker claims every job of a message it receives (nothing
 * is handed back), so this bounds how many jobs one receive can take from other workers.
 */
export const MAX_JOBS_PER_MESSAGE = 10;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeJobMessage(jobs: readonly JobMessage[]): string {
  if (jobs.length < 1 || jobs.length > MAX_JOBS_PER_MESSAGE)
    throw new RangeError(
      `a message announces 1 to ${MAX_JOBS_PER_MESSAGE} jobs, not ${jobs.length}`,
    );
  if (jobs.length === 1)
    return JSON.stringify({ v: 1, jobId: jobs[0].jobId, attempt: jobs[0].attempt });
  return JSON.stringify({ v: 2, jobs: jobs.map((j) => [j.jobId, j.attempt]) });
}

/** The jobs a body announces; undefined for a body this service did not write (a poison message). */
export function decodeJobMessage(body: string | undefined): JobMessage[] | undefined {
  try {
    const value = JSON.parse(body ?? '') as {
      v?: unknown;
      jobId?: unknown;
      attempt?: unknown;
      jobs?: unknown;
    };
    if (value.v === 1) {
      const job = readJob(value.jobId, value.attempt ?? 1);
      return job && [job];
    }
    if (value.v !== 2 || !Array.isArray(value.jobs)) return undefined;
    if (value.jobs.length < 1 || value.jobs.length > MAX_JOBS_PER_MESSAGE) return undefined;
    const jobs = value.jobs.map((j: unknown) =>
      Array.isArray(j) ? readJob(j[0], j[1]) : undefined,
    );
    return jobs.every((j) => j !== undefined) ? jobs : undefined;
  } catch {
    return undefined;
  }
}

function readJob(jobId: unknown, attempt: unknown): JobMessage | undefined {
  if (typeof jobId !== 'string' || !UUID.test(jobId)) return undefined;
  return {
    jobId: jobId.toLowerCase(),
    attempt: typeof attempt === 'number' && Number.isInteger(attempt) ? attempt : 1,
  };
}
