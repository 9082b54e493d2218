import { chunk, type OutgoingMessage } from './queue.service';
import { MAX_JOBS_PER_MESSAGE } from './job-message';
import type { UnsentMessage } from '@app/jobs';

/** One SQS message to send and the outbox rows it announces. */
export interface Pack {
  rows: UnsentMessage[];
  message: OutgoingMessage;
}

/**
 * Packs the outbox rows of one relay pass into messages: rows for the same queue with the same
 * delay share a message, up to `jobsPerMessage` jobs each (SQS_JOBS_PER_MESSAGE, at most 10), so a bulk submission or a burst
 * costs one SQS message per ten jobs instead of one per job. Dead letters (rows with a reason)
 * go one per message: each carries its own reason attribute, and operators re-drive them one
 * job at a time. Rows keep their order within a queue.
 */
export function packMessages(
  rows: readonly UnsentMessage[],
  defaultQueueUrl: string,
  jobsPerMessage = MAX_JOBS_PER_MESSAGE,
): Pack[] {
  const packs: Pack[] = [];
  const groups = new Map<string, UnsentMessage[]>();
  for (const row of rows) {
    const queueUrl = row.queueUrl ?? defaultQueueUrl;
    if (row.reason !== null) {
      packs.push({ rows: [row], message: toMessage([row], queueUrl, row.reason) });
      continue;
    }
    const key = `${row.delaySeconds} ${queueUrl}`;
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }
  for (const group of groups.values())
    for (const part of chunk(group, Math.min(jobsPerMessage, MAX_JOBS_PER_MESSAGE)))
      packs.push({ rows: part, message: toMessage(part, part[0].queueUrl ?? defaultQueueUrl) });
  return packs;
}

function toMessage(rows: UnsentMessage[], queueUrl: string, reason?: string): OutgoingMessage {
  return {
    queueUrl,
    jobs: rows.map((r) => ({ jobId: r.jobId, attempt: r.attempt })),
    delaySeconds: rows[0].delaySeconds,
    ...(reason !== undefined ? { reason } : {}),
  };
}
