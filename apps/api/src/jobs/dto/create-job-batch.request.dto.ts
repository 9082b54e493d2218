import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { CreateJobRequestDto } from './create-job.request.dto';

export const MAX_BATCH_JOBS = 500;

export class CreateJobBatchRequestDto {
  @ApiProperty({
    type: [CreateJobRequestDto],
    minItems: 1,
    maxItems: MAX_BATCH_JOBS,
    description: `1 to ${MAX_BATCH_JOBS} jobs, created together in one transaction: all or none`,
  })
  @ValidateNested({ each: true })
  @Type(() => CreateJobRequestDto)
  @ArrayMaxSize(MAX_BATCH_JOBS)
  @ArrayMinSize(1)
  @IsArray()
  jobs!: CreateJobRequestDto[];
}

/**
 * The jobs a batch request asks for, read before validation (the rate limit runs first): the
 * length of `jobs`, capped at MAX_BATCH_JOBS (a longer batch is refused anyway).
 */
export function jobsInBatch(body: unknown): number {
  const jobs = (body as { jobs?: unknown } | null)?.jobs;
  return Array.isArray(jobs) ? Math.min(jobs.length, MAX_BATCH_JOBS) : 1;
}
