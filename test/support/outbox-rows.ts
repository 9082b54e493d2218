import type { DataSource } from 'typeorm';

/**
 * Unsent queue_messages rows for jobs that exist, written without signalling any relay: what a
 * transition leaves for the relay, for tests of the relay alone. (In the service, libs/jobs
 * writes these rows in the statement of the transition they announce.)
 */
export async function addOutboxRows(
  db: DataSource,
  queueUrl: string,
  rows: readonly { jobId: string; attempt: number; delaySeconds?: number }[],
): Promise<void> {
  await db.query(
    `INSERT INTO queue_messages (job_id, queue_url, attempt, delay_seconds)
     SELECT job_id, $1, attempt, delay_seconds
     FROM unnest($2::uuid[], $3::int[], $4::int[]) AS r(job_id, attempt, delay_seconds)`,
    [
      queueUrl,
      rows.map((r) => r.jobId),
      rows.map((r) => r.attempt),
      rows.map((r) => r.delaySeconds ?? 0),
    ],
  );
}
