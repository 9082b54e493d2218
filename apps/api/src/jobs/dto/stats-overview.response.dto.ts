import { ApiProperty } from '@nestjs/swagger';

export class JobsByStatusDto {
  @ApiProperty({ example: 15 }) pending!: number;
  @ApiProperty({ example: 8 }) processing!: number;
  @ApiProperty({ example: 1200 }) completed!: number;
  @ApiProperty({ example: 27 }) failed!: number;
  @ApiProperty({ example: 0 }) cancelled!: number;
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
      'Messages waiting in the SQS work queue (visible + delayed); null when SQS does not answer',
  })
  queueDepth!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0,
    description: 'Messages in the dead-letter queue; null when SQS does not answer',
  })
  deadLetterDepth!: number | null;
}

export class StatsOverviewResponseDto {
  @ApiProperty({ type: StatsOverviewDto })
  data!: StatsOverviewDto;
}
