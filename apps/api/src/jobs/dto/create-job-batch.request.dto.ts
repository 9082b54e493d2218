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
