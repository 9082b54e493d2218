import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const STATUS = ['up', 'down'] as const;

export class DependencyStatusDto {
  @ApiProperty({ enum: STATUS, enumName: 'DependencyStatus', example: 'up' })
  status!: 'up' | 'down';
}

export class PublicDependenciesDto {
  @ApiProperty({ type: DependencyStatusDto, description: 'PostgreSQL: the api is ready when up' })
  database!: DependencyStatusDto;

  @ApiProperty({
    type: DependencyStatusDto,
    description: 'Information only: while SQS is away, accepted jobs wait in the outbox',
  })
  sqs!: DependencyStatusDto;

  @ApiPropertyOptional({
    type: DependencyStatusDto,
    description:
      'Information only: up when a worker heartbeat is recent (absent when HEALTH_WORKER_MAX_AGE_MS is 0)',
  })
  workers?: DependencyStatusDto;
}

/** The public readiness answer: up or down per dependency, never why (that is for admins). */
export class PublicHealthResponseDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';

  @ApiProperty({ type: PublicDependenciesDto })
  info!: PublicDependenciesDto;
}

export class QueueDepthDto {
  @ApiProperty({ example: 12, description: 'Messages waiting to be received' })
  visible!: number;

  @ApiProperty({ example: 3, description: 'Received and not yet deleted' })
  inFlight!: number;

  @ApiProperty({ example: 0, description: 'Sent with a delay that has not passed yet' })
  delayed!: number;
}

export class DatabaseHealthDto extends DependencyStatusDto {
  @ApiProperty({ example: 2, description: 'Time the check took, in ms' })
  latencyMs!: number;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why it is down' })
  message!: string | null;
}

export class SqsHealthDto extends DependencyStatusDto {
  @ApiProperty({ type: QueueDepthDto, nullable: true, description: 'The work queue (null: down)' })
  queue!: QueueDepthDto | null;

  @ApiProperty({ type: QueueDepthDto, nullable: true, description: 'The DLQ (null: down)' })
  deadLetter!: QueueDepthDto | null;

  @ApiPropertyOptional({
    type: QueueDepthDto,
    description: 'The priority lane (SQS_PRIORITY_QUEUE_URL); absent when none is configured',
  })
  priorityLane?: QueueDepthDto;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why it is down' })
  message!: string | null;
}

export class WorkersHealthDto extends DependencyStatusDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 2,
    description: 'Workers with a recent heartbeat (null: unknown)',
  })
  live!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  lastSeenAt!: string | null;

  @ApiProperty({ example: 60000, description: 'HEALTH_WORKER_MAX_AGE_MS' })
  maxAgeMs!: number;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why it is down' })
  message!: string | null;
}

export class AdminHealthDto {
  @ApiProperty({ example: true, description: 'What the public /health answers: PostgreSQL is up' })
  ready!: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'When the check ran (it is reused for HEALTH_CACHE_MS)',
  })
  checkedAt!: string;

  @ApiProperty({ type: DatabaseHealthDto })
  database!: DatabaseHealthDto;

  @ApiProperty({ type: SqsHealthDto })
  sqs!: SqsHealthDto;

  @ApiProperty({
    type: WorkersHealthDto,
    nullable: true,
    description: 'Null when HEALTH_WORKER_MAX_AGE_MS is 0',
  })
  workers!: WorkersHealthDto | null;
}

export class AdminHealthResponseDto {
  @ApiProperty({ type: AdminHealthDto })
  data!: AdminHealthDto;
}
