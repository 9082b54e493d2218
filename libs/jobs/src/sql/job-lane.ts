// No Nest or TypeORM import: the Lambda functions' SqlJobSink chooses its queues here too.

/** The lowest and highest job priority: 0 is ordinary (the default), 9 the most urgent. */
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 9;

/**
 * The queues an outbox row of a job may go to, as one statement parameter: [work queue,
 * priority lane]. Without a lane (SQS_PRIORITY_QUEUE_URL unset) both are the work queue.
 */
export type LaneQueues = readonly [ordinary: string, priority: string];

export function laneQueues(queue: {
  queueUrl: string;
  priorityQueueUrl: string | null;
}): LaneQueues {
  return [queue.queueUrl, queue.priorityQueueUrl ?? queue.queueUrl];
}

/**
 * The SQL expression every outbox writer uses for a job's queue_url: the priority lane when the
 * job's `priority` (an SQL expression) is above 0, else the work queue. `param` is the statement
 * parameter holding LaneQueues (e.g. '$3'). An ordinary job costs one CASE and an array subscript.
 * Re-queueing (release, retry, recovery, resend, resume, deferral) goes through it as well, so a
 * job keeps its lane for its whole life.
 */
export function laneQueueSql(priority: string, param: string): string {
  return `(${param}::varchar[])[CASE WHEN ${priority} > 0 THEN 2 ELSE 1 END]`;
}
