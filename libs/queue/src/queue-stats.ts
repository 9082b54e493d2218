export interface QueueDepth {
  /** Messages waiting to be received. */
  visible: number;
  /** Received and not yet deleted. */
  inFlight: number;
  /** Sent with a delay that has not passed yet. */
  delayed: number;
}

export interface QueueStats {
  queue: QueueDepth;
  deadLetter: QueueDepth;
  /** The priority lane; only when SQS_PRIORITY_QUEUE_URL is set. */
  priorityLane?: QueueDepth;
}
