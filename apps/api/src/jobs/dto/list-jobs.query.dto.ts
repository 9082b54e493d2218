import { JobStatus } from '@app/database';
import { JOB_SORTS, type JobSort, MAX_PRIORITY, MIN_PRIORITY } from '@app/jobs';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsArray,
  IsEnum,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_PAYLOAD_FILTER_CHARS, MAX_PAYLOAD_FILTER_DEPTH } from '../payload-filter';

export const MAX_PAGE_SIZE = 100;
/** Highest page: deeper pages are slow scans (OFFSET), and a larger number overflows the query. */
export const MAX_PAGE = 10_000;

/** `?status=pending&status=failed` and `?status=pending,failed` both give two statuses. */
const toList = ({ value }: { value: unknown }): unknown =>
  [value]
    .flat()
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
    .map((v) => (typeof v === 'string' ? v.trim() : v))
    .filter((v) => v !== '');

/** Longest `after` cursor: ours are about 110 characters. */
export const MAX_CURSOR_LENGTH = 200;

const TIME = (description: string) =>
  ApiPropertyOptional({ format: 'date-time', example: '2026-01-07T00:00:00Z', description });

export class ListJobsQueryDto {
  @ApiPropertyOptional({
    enum: JobStatus,
    enumName: 'JobStatus',
    isArray: true,
    example: ['pending', 'processing'],
    description:
      'Only jobs in one of these statuses (repeat the parameter or separate with commas)',
  })
  @IsOptional()
  @IsEnum(JobStatus, { each: true })
  @IsArray()
  @Transform(toList)
  status?: JobStatus[];

  @ApiPropertyOptional({ example: 'echo', description: 'Only jobs of this type' })
  @IsOptional()
  @MaxLength(50)
  @IsString()
  jobType?: string;

  @ApiPropertyOptional({
    maxLength: 255,
    example: 'alice',
    description: "Only this user's jobs: admins and viewers; a plain user only ever sees their own",
  })
  @IsOptional()
  @MaxLength(255)
  @IsString()
  userId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the child jobs of this job' })
  @IsOptional()
  @IsUUID()
  parentId?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: MIN_PRIORITY,
    maximum: MAX_PRIORITY,
    example: 5,
    description: 'Only jobs of this priority',
  })
  @IsOptional()
  @Max(MAX_PRIORITY)
  @Min(MIN_PRIORITY)
  @IsInt()
  @Type(() => Number)
  priority?: number;

  @TIME('Created at or after this time (ISO 8601 with a time zone)')
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  createdFrom?: string;

  @TIME('Created before this time')
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  createdTo?: string;

  @TIME('Finished (completed, failed or cancelled: `completedAt`) at or after this time')
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  finishedFrom?: string;

  @TIME('Finished before this time')
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  finishedTo?: string;

  @ApiPropertyOptional({
    maxLength: MAX_PAYLOAD_FILTER_CHARS,
    example: '{"message":"hello"}',
    description: `Jobs whose payload contains this JSON object (JSONB @>, URL-encoded): at most ${MAX_PAYLOAD_FILTER_CHARS} characters, ${MAX_PAYLOAD_FILTER_DEPTH} levels deep`,
  })
  @IsOptional()
  @IsString()
  payload?: string;

  @ApiPropertyOptional({
    enum: JOB_SORTS,
    default: '-createdAt',
    description:
      'Order by creation or finish time, `-` for newest first (ties by id); a finishedAt order lists finished jobs only',
  })
  @IsOptional()
  @IsIn(JOB_SORTS)
  sort: JobSort = '-createdAt';

  @ApiPropertyOptional({
    maxLength: MAX_CURSOR_LENGTH,
    description:
      'Keyset paging for deep lists: empty for the first page, then the `pagination.cursor` of the previous answer (same sort); such answers have a cursor and no page or total. Not with `page`',
  })
  @IsOptional()
  @MaxLength(MAX_CURSOR_LENGTH)
  @IsString()
  after?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
    example: 1,
    description: 'Offset paging (with a total). Not with `after`',
  })
  @IsOptional()
  @Max(MAX_PAGE)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  page?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 20,
    example: 20,
  })
  @IsOptional()
  @Max(MAX_PAGE_SIZE)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  limit = 20;
}
