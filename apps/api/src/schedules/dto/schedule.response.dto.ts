import { NEXT_RUNS } from '@app/schedules';
import { ApiProperty } from '@nestjs/swagger';

const TIME = (description: string, nullable = false) =>
  ApiProperty({
    type: String,
    format: 'date-time',
    nullable,
    example: nullable ? null : '2026-01-07T00:15:00.000Z',
    description,
  });

export class ScheduleDto {
  @ApiProperty({ format: 'uuid', example: '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c' })
  id!: string;

  @ApiProperty({
    example: 'alice',
    description: 'Owner: its jobs are theirs. `system` for the built-in clean-up',
  })
  userId!: string;

  @ApiProperty({ type: String, nullable: true, example: 'nightly export' })
  name!: string | null;

  @ApiProperty({ example: '0 */15 * * * *' })
  cron!: string;

  @ApiProperty({ example: 'Europe/Paris' })
  timeZone!: string;

  @ApiProperty({ example: 'echo' })
  jobType!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { message: 'hello' } })
  payload!: unknown;

  @ApiProperty({ minimum: 0, maximum: 3600, example: 0 })
  jitterSeconds!: number;

  @ApiProperty({ example: false, description: 'Paused: no ticks, none caught up on resume' })
  paused!: boolean;

  @ApiProperty({
    example: false,
    description: 'Owned by the system (the clean-up): admins edit and pause it; nobody deletes it',
  })
  system!: boolean;

  @TIME('The next tick (its job may come up to jitterSeconds later); null while paused', true)
  nextRunAt!: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    isArray: true,
    maxItems: NEXT_RUNS,
    example: ['2026-01-07T00:15:00.000Z', '2026-01-07T00:30:00.000Z'],
    description: `The next ${NEXT_RUNS} ticks, the first being nextRunAt; empty while paused`,
  })
  nextRuns!: Date[];

  @TIME('The tick of the last job this schedule submitted', true)
  lastRunAt!: Date | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: null })
  lastJobId!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Why the last due tick submitted no job (its payload no longer passes its type); null after a job',
  })
  lastError!: string | null;

  @TIME('')
  createdAt!: Date;

  @TIME('')
  updatedAt!: Date;
}

export class ScheduleResponseDto {
  @ApiProperty({ type: ScheduleDto })
  data!: ScheduleDto;
}

export class ScheduleListResponseDto {
  @ApiProperty({ type: ScheduleDto, isArray: true })
  data!: ScheduleDto[];

  @ApiProperty({ example: { page: 1, limit: 20, total: 3 } })
  pagination!: { page: number; limit: number; total: number };
}
