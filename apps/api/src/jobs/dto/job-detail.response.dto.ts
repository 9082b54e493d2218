import { JobStatus } from '@app/database';
import { MAX_DEPENDENCIES, MAX_DEPENDENTS_SHOWN } from '@app/jobs';
import { ApiProperty } from '@nestjs/swagger';
import { JobSummaryDto, NULLABLE_TIME } from './job-list.response.dto';

/** A job at the other end of a dependency, with its status. */
export class JobDependencyDto {
  @ApiProperty({ format: 'uuid', example: '0b7d0c6e-3f7a-4c1e-9d55-2a4f0e8b9c11' })
  id!: string;

  @ApiProperty({ enum: JobStatus, example: JobStatus.Completed })
  status!: JobStatus;
}

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

  @ApiProperty({
    type: [JobDependencyDto],
    maxItems: MAX_DEPENDENCIES,
    description:
      'The jobs this one waits for (its `dependsOn`), with their status; empty: none. It starts once all are completed',
  })
  dependsOn!: JobDependencyDto[];

  @ApiProperty({
    minimum: 0,
    example: 0,
    description:
      'How many of `dependsOn` have not completed yet; above 0 a pending job waits for them (no queue message)',
  })
  dependenciesLeft!: number;

  @ApiProperty({
    type: [JobDependencyDto],
    maxItems: MAX_DEPENDENTS_SHOWN,
    description: `The jobs that wait for this one, with their status, oldest first (the first ${MAX_DEPENDENTS_SHOWN})`,
  })
  dependents!: JobDependencyDto[];
}

export class JobDetailResponseDto {
  @ApiProperty({ type: JobDetailDto })
  data!: JobDetailDto;
}
