import { ApiProperty } from '@nestjs/swagger';
import { JobSummaryDto, NULLABLE_TIME } from './job-list.response.dto';

/** A job's summary (as in lists) plus its payload, timing, retries, error and results. */
export class JobDetailDto extends JobSummaryDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { message: 'hello', delayMs: 2000 },
  })
  payload!: unknown;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-01-07T00:05:00.000Z',
    description:
      "While processing: when the job will likely finish, from its progress so far and the job type's recent processing times; otherwise null",
  })
  estimatedCompletion!: Date | null;

  @ApiProperty({ minimum: 0, example: 0, description: 'Automatic retries used so far' })
  retryCount!: number;

  @ApiProperty({ minimum: 0, example: 3 })
  maxRetries!: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description: 'When a failed job runs again (null: no retry scheduled)',
  })
  nextRetryAt!: Date | null;

  @ApiProperty({
    ...NULLABLE_TIME,
    description:
      'No attempt starts after this: a job still pending then is cancelled ("Expired: …")',
  })
  expireAt!: Date | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: null,
    description: "This job's time limit per attempt in seconds; null: its type's",
  })
  timeoutSeconds!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why the last attempt failed',
  })
  errorMessage!: string | null;

  @ApiProperty({
    example: false,
    description:
      'Cancellation was requested while the job was processing; its handler is being stopped',
  })
  cancelRequested!: boolean;

  @ApiProperty({
    nullable: true,
    example: null,
    description: 'What the handler returned; present once the job is completed, else null',
  })
  results!: unknown;
}

export class JobDetailResponseDto {
  @ApiProperty({ type: JobDetailDto })
  data!: JobDetailDto;
}
