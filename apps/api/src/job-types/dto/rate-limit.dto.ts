import { RATE_INTERVAL_MAX_SECONDS, RATE_LIMIT_MAX } from '@app/jobs';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

const LIMIT = {
  example: 10,
  minimum: 1,
  maximum: RATE_LIMIT_MAX,
  description:
    'At most this many jobs of the type start in any window of `intervalSeconds`, across all workers',
};
const INTERVAL = {
  example: 1,
  minimum: 1,
  maximum: RATE_INTERVAL_MAX_SECONDS,
  description: 'The window, in seconds (1 s to 1 day)',
};

/** PUT /api/v1/job-types/:type/rate-limit. */
export class SetRateLimitRequestDto {
  @ApiProperty(LIMIT)
  @Max(RATE_LIMIT_MAX)
  @Min(1)
  @IsInt()
  limit!: number;

  @ApiProperty(INTERVAL)
  @Max(RATE_INTERVAL_MAX_SECONDS)
  @Min(1)
  @IsInt()
  intervalSeconds!: number;
}

export class RateLimitDto {
  @ApiProperty(LIMIT) limit!: number;
  @ApiProperty(INTERVAL) intervalSeconds!: number;
}

/** A rate-limited job type, as the overview lists it. */
export class RateLimitedTypeDto extends RateLimitDto {
  @ApiProperty({ example: 'export' }) jobType!: string;
}

export class JobTypeRateLimitDto {
  @ApiProperty({ example: 'export', description: 'The job type (wire name)' })
  name!: string;

  @ApiProperty({
    type: RateLimitDto,
    nullable: true,
    description: 'Its rate limit; null: its jobs start as soon as a worker has a slot',
  })
  rateLimit!: RateLimitDto | null;
}

export class JobTypeRateLimitRemovedDto extends JobTypeRateLimitDto {
  @ApiProperty({
    example: 250,
    description:
      'Jobs the limit had deferred whose messages were made due now (0 when the type had no limit)',
  })
  announced!: number;
}

export class JobTypeRateLimitResponseDto {
  @ApiProperty({ type: JobTypeRateLimitDto }) data!: JobTypeRateLimitDto;
}

export class JobTypeRateLimitRemovedResponseDto {
  @ApiProperty({ type: JobTypeRateLimitRemovedDto }) data!: JobTypeRateLimitRemovedDto;
}
