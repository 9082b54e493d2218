import { ApiProperty } from '@nestjs/swagger';

export class WorkerDto {
  @ApiProperty({ example: 'ip-10-0-1-7:4182:a1b2c3', description: 'hostname:pid:random' })
  workerId!: string;

  @ApiProperty({
    type: Boolean,
    nullable: true,
    example: true,
    description:
      'Its last heartbeat is within HEALTH_WORKER_MAX_AGE_MS (null when that is 0); a killed worker stays listed, not live',
  })
  live!: boolean | null;

  @ApiProperty({ example: 3, description: 'Jobs it held at its last heartbeat' })
  inFlight!: number;

  @ApiProperty({ format: 'date-time' })
  lastSeenAt!: string;

  @ApiProperty({ example: 1200, description: 'ms since that heartbeat, by the database clock' })
  ageMs!: number;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;
}

export class WorkerListResponseDto {
  @ApiProperty({ type: [WorkerDto], description: 'Most recently seen first, at most 500' })
  data!: WorkerDto[];
}
