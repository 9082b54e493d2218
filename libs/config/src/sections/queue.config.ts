import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { parseInteger } from '../env-validation';

const SQS_URL = { protocols: ['http', 'https'], require_tld: false, require_protocol: true };

export class QueueEnv {
  /** URL of the work queue (the specification's episode-jobs-queue). */
  @IsUrl(SQS_URL)
  SQS_QUEUE_URL!: string;

  /** URL of the dead-letter queue that receives jobs out of retries. */
  @IsUrl(SQS_URL)
  SQS_DLQ_URL!: string;

  /**
   * URL of the priority lane: a second work queue that announces only jobs with priority above 0,
   * which every worker long-polls in a receive loop of its own, so an urgent job skips the
   * ordinary backlog already in SQS. Unset: every job goes to SQS_QUEUE_URL (priority then only
   * orders the jobs a worker has claimed and waits to run). Give it its own DLQ redrive like the
   * work queue's.
   */
  @IsOptional()
  @IsUrl(SQS_URL)
  SQS_PRIORITY_QUEUE_URL?: string;

  /** Endpoint override for an SQS-compatible emulator; unset in production (the SDK picks AWS). */
  @IsOptional()
  @IsUrl(SQS_URL)
  SQS_ENDPOINT?: string;

  /** AWS region of the queues. */
  @MinLength(1)
  @IsString()
  AWS_REGION = 'us-east-1';

  /** Long-poll wait of each ReceiveMessage, in seconds (SQS allows 0-20). */
  @Transform(parseInteger)
  @Min(0)
  @Max(20)
  @IsInt()
  SQS_WAIT_TIME_SECONDS = 20;

  /** How long opening a connection to SQS may take, in ms (default 3000). */
  @Transform(parseInteger)
  @Min(100)
  @Max(60_000)
  @IsInt()
  SQS_CONNECT_TIMEOUT_MS = 3000;

  /**
   * How long one SQS call may take from start to answer, in ms (default 30000); then it fails and
   * is retried by its caller (the relay, the receive loop). A long-poll ReceiveMessage waits up to
   * SQS_WAIT_TIME_SECONDS on purpose, so this must exceed that wait by at least 5 s.
   */
  @Transform(parseInteger)
  @Min(1000)
  @Max(600_000)
  @IsInt()
  SQS_REQUEST_TIMEOUT_MS = 30_000;

  /**
   * Most jobs one SQS message announces (1-10, default 10): the relay packs the rows of a pass
   * that share a queue and a delay. 1 sends a message per job, which workers of a release before
   * packing (decoding only `v: 1` messages) need during a rolling upgrade, and which spreads long
   * jobs over workers with few slots more evenly (a worker claims every job of a message).
   */
  @Transform(parseInteger)
  @Min(1)
  @Max(10)
  @IsInt()
  SQS_JOBS_PER_MESSAGE = 10;
}

/** What SQS_REQUEST_TIMEOUT_MS must leave beyond the long-poll wait: the round trip itself. */
export const SQS_REQUEST_MARGIN_MS = 5000;

export interface QueueConfig {
  queueUrl: string;
  /** SQS_PRIORITY_QUEUE_URL; null: no lane, every job goes to queueUrl. */
  priorityQueueUrl: string | null;
  dlqUrl: string;
  endpoint: string | undefined;
  region: string;
  waitTimeSeconds: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  jobsPerMessage: number;
}

export const toQueueConfig = (env: QueueEnv): QueueConfig => ({
  queueUrl: env.SQS_QUEUE_URL,
  priorityQueueUrl: env.SQS_PRIORITY_QUEUE_URL ?? null,
  dlqUrl: env.SQS_DLQ_URL,
  endpoint: env.SQS_ENDPOINT,
  region: env.AWS_REGION,
  waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
  connectTimeoutMs: env.SQS_CONNECT_TIMEOUT_MS,
  requestTimeoutMs: env.SQS_REQUEST_TIMEOUT_MS,
  jobsPerMessage: env.SQS_JOBS_PER_MESSAGE,
});

/**
 * Cross-variable rules: a long poll that waits its full time must not count as timed out; the
 * priority lane is a queue of its own (a lane equal to the work queue or the DLQ would mix them).
 */
export function queueProblems(env: QueueEnv): string[] {
  const problems: string[] = [];
  const least = env.SQS_WAIT_TIME_SECONDS * 1000 + SQS_REQUEST_MARGIN_MS;
  if (env.SQS_REQUEST_TIMEOUT_MS < least)
    problems.push(
      `SQS_REQUEST_TIMEOUT_MS must be at least SQS_WAIT_TIME_SECONDS × 1000 + ${SQS_REQUEST_MARGIN_MS} (got ${env.SQS_REQUEST_TIMEOUT_MS} and ${env.SQS_WAIT_TIME_SECONDS} s)`,
    );
  const lane = env.SQS_PRIORITY_QUEUE_URL;
  if (lane !== undefined && (lane === env.SQS_QUEUE_URL || lane === env.SQS_DLQ_URL))
    problems.push(
      'SQS_PRIORITY_QUEUE_URL must name a queue of its own, not SQS_QUEUE_URL or SQS_DLQ_URL',
    );
  return problems;
}
