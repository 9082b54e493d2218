import { JobStatus } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** A time that may be unset (Swagger). */
export const NULLABLE_TIME = { type: String, format: 'date-time', nullable: true, example: null };

export class JobSummaryDto {
  @ApiProperty({ format: 'uuid', example: '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c' })
  id!: string;

  @ApiProperty({ enum: JobStatus, enumName: 'JobStatus', example: JobStatus.Processing })
  status!: JobStatus;

  @ApiProperty({ example: 'echo' })
  jobType!: string;

  @ApiProperty({ example: 'alice', description: 'Owner (the `sub` of the token that created it)' })
  userId!: string;

  @ApiProperty({ minimum: 0, maximum: 100, example: 45 })
  progress!: number;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-01-07T00:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-01-07T00:01:00.000Z',
  })
  startedAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  completedAt!: Date | null;
  @ApiProperty({
    ...NULLABLE_TIME,
    description:
      'When the job becomes due (runAt, or now + delaySeconds, by the database clock); null: at once. A pending job waits for it',
  })
  runAt!: Date | null;

  @ApiProperty({
    minimum: 0,
    maximum: 9,
    example: 0,
    description: '0 (ordinary) to 9 (most urgent): see `priority` on create',
  })
  priority!: number;
}

export class PaginationDto {
  @ApiProperty({ minimum: 1, example: 1, required: false, description: 'Absent with `after`' })
  page?: number;

  @ApiProperty({ minimum: 1, maximum: 100, example: 20 })
  limit!: number;

  @ApiProperty({
    minimum: 0,
    example: 150,
    required: false,
    description: 'Jobs matching the filters, on all pages; absent with `after` (not counted)',
  })
  total?: number;

  @ApiProperty({
    type: String,
    nullable: true,
    required: false,
    example: 'WyItY3JlYXRlZEF0IiwiMjAyNi0wMS0wN1QwMDowMDowMC4wMDAwMDBaIiwiM2YyYi4uLiJd',
    description:
      'Paging by cursor only (`after` given, empty for the first page). Opaque: pass it as `after` (same sort and filters) for the next page; null on the last page',
  })
  cursor?: string | null;
}

export class JobListResponseDto {
  @ApiProperty({ type: [JobSummaryDto], description: 'In the order of `sort` (newest first)' })
  data!: JobSummaryDto[];

  @ApiProperty({ type: PaginationDto })
  pagination!: PaginationDto;
}
