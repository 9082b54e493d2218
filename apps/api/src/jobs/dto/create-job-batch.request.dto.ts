import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CreateJobRequestDto } from './create-job.request.dto';

export const MAX_BATCH_JOBS = 500;

/** A job of a batch: a job request, plus a name other jobs of the batch can depend on. */
export class CreateJobBatchItemDto extends CreateJobRequestDto {
  @ApiPropertyOptional({
    maxLength: 100,
    example: 'extract',
    description:
      "This job's name within the batch (unique in it, 400 otherwise), for other jobs' `dependsOn`. Not stored",
  })
  @IsOptional()
  @MaxLength(100)
  @IsNotEmpty()
  @IsString()
  ref?: string;
}

export class CreateJobBatchRequestDto {
  @ApiProperty({
    type: [CreateJobBatchItemDto],
    minItems: 1,
    maxItems: MAX_BATCH_JOBS,
    description: `1 to ${MAX_BATCH_JOBS} jobs, created together in one transaction: all or none. Jobs may depend on each other through \`ref\` and \`dependsOn\` (a DAG: a cycle is refused naming jobs.<i>.dependsOn)`,
  })
  @ValidateNested({ each: true })
  @Type(() => CreateJobBatchItemDto)
  @ArrayMaxSize(MAX_BATCH_JOBS)
  @ArrayMinSize(1)
  @IsArray()
  jobs!: CreateJobBatchItemDto[];
}

/**
 * The jobs a batch request asks for, read before validation (the rate limit runs first): the
 * length of `jobs`, capped at MAX_BATCH_JOBS (a longer batch is refused anyway).
 */
export function jobsInBatch(body: unknown): number {
  const jobs = (body as { jobs?: unknown } | null)?.jobs;
  return Array.isArray(jobs) ? Math.min(jobs.length, MAX_BATCH_JOBS) : 1;
}
