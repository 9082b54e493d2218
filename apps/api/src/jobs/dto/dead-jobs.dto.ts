import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { JobSummaryDto } from './job-list.response.dto';
import { ListJobsQueryDto } from './list-jobs.query.dto';

/** Dead jobs are all `failed`: the list's filters minus `status`. */
export class ListDeadJobsQueryDto extends PickType(ListJobsQueryDto, [
  'jobType',
  'page',
  'limit',
] as const) {}

/** Exactly one selector: `jobIds`, `jobType` or `all: true`. */
export class RedriveRequestDto {
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: 500,
    description: 'These dead jobs',
  })
  @ValidateIf(
    (o: RedriveRequestDto) =>
      o.jobIds !== undefined || (o.jobType === undefined && o.all === undefined),
  )
  @IsUUID('all', { each: true })
  @ArrayMaxSize(500)
  @ArrayMinSize(1)
  @IsArray()
  jobIds?: string[];

  @ApiPropertyOptional({
    example: 'thumbnail-generation',
    description: 'Every dead job of this type',
  })
  @ValidateIf((o: RedriveRequestDto) => o.jobType !== undefined)
  @MaxLength(50)
  @IsString()
  jobType?: string;

  @ApiPropertyOptional({ example: true, description: 'Every dead job' })
  @ValidateIf((o: RedriveRequestDto) => o.all !== undefined)
  @Equals(true, { message: 'all must be true when given' })
  @IsBoolean()
  all?: true;
}

export class DeadJobListResponseDto {
  @ApiProperty({ type: [JobSummaryDto] })
  data!: JobSummaryDto[];

  @ApiProperty({ example: { page: 1, limit: 20, total: 3 } })
  pagination!: { page: number; limit: number; total: number };
}

export class RedriveResultDto {
  @ApiProperty({ example: 2, description: 'Dead jobs queued again' })
  redriven!: number;

  @ApiProperty({ type: [String], format: 'uuid' })
  jobIds!: string[];

  @ApiProperty({ example: 2, description: 'Their messages removed from the DLQ' })
  removedFromDlq!: number;
}

export class RedriveResponseDto {
  @ApiProperty({ type: RedriveResultDto })
  data!: RedriveResultDto;
}
