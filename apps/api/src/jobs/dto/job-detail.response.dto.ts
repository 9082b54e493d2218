import { JobStatus } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

export class JobDetailDto {
  @ApiProperty({ format: 'uuid', example: '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c' })
  id!: string;

  @ApiProperty({ enum: JobStatus, enumName: 'JobStatus', example: JobStatus.Processing })
  status!: JobStatus;

  @ApiProperty({
    minimum: 0,
    maximum: 100,
    example: 45,
    description: 'Percent done, as the handler reports it',
  })
  progress!: number;

  @ApiProperty({ example: 'echo' })
  jobType!: string;

  @ApiProperty({ example: 'alice' })
  userId!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { message: 'hello', delayMs: 2000 },
  })
  payload!: unknown;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-01-07T00:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-01-07T00:01:00.000Z',
  })
  startedAt!: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-01-07T00:05:00.000Z',
    description:
      "While processing: when the job will likely finish, from its progress so far and the job type's recent processing times; otherwise null",
  })
  estimatedCompletion!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  completedAt!: Date | null;

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
