// No Nest or TypeORM import: a Lambda function's bundle runs this (apps/functions).
import type { SqlStatement } from '@app/database';

/**
 * The progress a handler reports for the attempt it runs, written only while that attempt is
 * current and processing (fenced like every worker write; a stale report changes nothing). Not
 * a transition: the status stays, and neither the statement nor the row's indexes change it.
 */
export function progressStatement(jobId: string, attempt: number, progress: number): SqlStatement {
  return {
    text: `UPDATE jobs SET progress = $3 WHERE id = $1 AND attempt = $2 AND status = 'processing'`,
    params: [jobId, attempt, progress],
  };
}
