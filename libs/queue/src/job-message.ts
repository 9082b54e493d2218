/**
 * The body of every SQS message: the job id and the attempt it was sent for, never the payload
 * (the payload lives in PostgreSQL, so SQS's 256 KB limit never applies to it).
 */
export interface JobMessage {
  jobId: string;
  attempt: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeJobMessage(message: JobMessage): string {
  return JSON.stringify({ v: 1, jobId: message.jobId, attempt: message.attempt });
}

/** Returns undefined for a body this service did not write (a poison message). */
export function decodeJobMessage(body: string | undefined): JobMessage | undefined {
  try {
    const value = JSON.parse(body ?? '') as { v?: unknown; jobId?: unknown; attempt?: unknown };
    if (value.v !== 1 || typeof value.jobId !== 'string' || !UUID.test(value.jobId))
      return undefined;
    const attempt =
      typeof value.attempt === 'number' && Number.isInteger(value.attempt) ? value.attempt : 1;
    return { jobId: value.jobId.toLowerCase(), attempt };
  } catch {
    return undefined;
  }
}
