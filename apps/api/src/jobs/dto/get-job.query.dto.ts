import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Longest wait GET /jobs/:id holds a request for, in seconds (below common proxy timeouts). */
export const MAX_WAIT_SECONDS = 60;

export class GetJobQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    example: 30,
    description:
      'Wait up to this many seconds for the job to be final (completed, failed with no retry left, cancelled); the answer comes as soon as it is, else with the job as it is when the wait ends. 0 or absent: answer at once',
  })
  @IsOptional()
  @Max(MAX_WAIT_SECONDS)
  @Min(0)
  @IsInt()
  @Type(() => Number)
  waitSeconds?: number;
}
