/** The most SQS receive loops a worker runs (WORKER_RECEIVERS). */
export const MAX_RECEIVERS = 8;

/**
 * Name of receive loop `i` (@ssut/nestjs-sqs binds each consumer to a handler by name): `jobs`,
 * then `jobs-2`, `jobs-3`…
 */
export function receiverName(i: number): string {
  return i === 0 ? 'jobs' : `jobs-${i + 1}`;
}

/**
 * Name of the priority lane's receive loop (SQS_PRIORITY_QUEUE_URL): one per worker when a lane
 * is configured, beside the WORKER_RECEIVERS loops of the work queue.
 */
export const LANE_RECEIVER = 'jobs-priority';
