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
}

export interface QueueConfig {
  queueUrl: string;
  dlqUrl: string;
  endpoint: string | undefined;
  region: string;
  waitTimeSeconds: number;
}

export const toQueueConfig = (env: QueueEnv): QueueConfig => ({
  queueUrl: env.SQS_QUEUE_URL,
  dlqUrl: env.SQS_DLQ_URL,
  endpoint: env.SQS_ENDPOINT,
  region: env.AWS_REGION,
  waitTimeSeconds: env.SQS_WAIT_TIME_SECONDS,
});
