import { JobStatus } from '@app/database';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

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

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1, example: 1 })
  @IsOptional()
  @Max(MAX_PAGE)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  page = 1;

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
