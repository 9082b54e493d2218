import { ApiProperty } from '@nestjs/swagger';
import { PausedTypeDto } from '../../job-types/dto/job-type-state.response.dto';
import { RateLimitedTypeDto } from '../../job-types/dto/rate-limit.dto';

export class JobsByStatusDto {
  @ApiProperty({ example: 15 }) pending!: number;
  @ApiProperty({ example: 8 }) processing!: number;
  @ApiProperty({ example: 1200 }) completed!: number;
  @ApiProperty({ example: 27 }) failed!: number;
  @ApiProperty({ example: 0 }) cancelled!: number;
}

export class JobTypeCountsDto {
  @ApiProperty({ example: 'echo' }) jobType!: string;
  @ApiProperty({ type: JobsByStatusDto }) byStatus!: JobsByStatusDto;
}

export class ThroughputPointDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the minute' }) at!: string;
  @ApiProperty({ example: 42, description: 'Jobs completed in that minute' }) completed!: number;
  @ApiProperty({ example: 1, description: 'Attempts that failed in that minute (retried or not)' })
  failed!: number;
}

export class OutboxDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0,
    description:
      'Queue messages written and not yet sent to SQS (counted up to 100,000); null when PostgreSQL did not answer within 1 s',
  })
  backlog!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0,
    description: 'Age of the oldest unsent message, in seconds (0 when none); null as above',
  })
  oldestAgeSeconds!: number | null;
}

export class StatsOverviewDto {
  @ApiProperty({ example: 1250 })
  totalJobs!: number;

  @ApiProperty({ type: JobsByStatusDto })
  byStatus!: JobsByStatusDto;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 45,
    description: 'Mean processing time of completed jobs, in seconds (null before the first)',
  })
  averageProcessingTime!: number | null;

  @ApiProperty({ example: 2.2, description: 'failed ÷ (completed + failed), in percent' })
  failureRate!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 15,
    description:
      'Messages waiting in the SQS work queue and the priority lane (visible + delayed); null when SQS does not answer',
  })
  queueDepth!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0,
    description: 'Messages in the dead-letter queue; null when SQS does not answer',
  })
  deadLetterDepth!: number | null;

  @ApiProperty({ type: [JobTypeCountsDto], description: 'Jobs by status per job type, by name' })
  byType!: JobTypeCountsDto[];

  @ApiProperty({
    type: [ThroughputPointDto],
    description:
      'The last 60 minutes, a point per minute, oldest first (the last one still running)',
  })
  throughput!: ThroughputPointDto[];

  @ApiProperty({ type: OutboxDto })
  outbox!: OutboxDto;

  @ApiProperty({
    type: [PausedTypeDto],
    description:
      'Job types an admin paused (PUT /api/v1/job-types/:type/pause), by name; their pending jobs wait in `byType`',
  })
  pausedTypes!: PausedTypeDto[];

  @ApiProperty({
    type: [RateLimitedTypeDto],
    description:
      'Job types with a rate limit (PUT /api/v1/job-types/:type/rate-limit), by name; their deferred jobs wait in `byType` and `outbox`',
  })
  rateLimitedTypes!: RateLimitedTypeDto[];
}

export class StatsOverviewResponseDto {
  @ApiProperty({ type: StatsOverviewDto })
  data!: StatsOverviewDto;
}
