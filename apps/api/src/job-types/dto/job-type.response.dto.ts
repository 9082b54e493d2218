import { ApiProperty } from '@nestjs/swagger';
import { JobTypeStateDto } from './job-type-state.response.dto';
import { RateLimitDto } from './rate-limit.dto';

export class JobTypeDto extends JobTypeStateDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Returns its message, optionally after a delay or a few failed attempts',
  })
  description!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      type: 'object',
      properties: { message: { type: 'string', maxLength: 10000 } },
      additionalProperties: false,
    },
    description:
      "JSON Schema of the payload, derived from the type's validation rules (nested objects under `definitions`)",
  })
  payloadSchema!: Record<string, unknown>;

  @ApiProperty({
    type: RateLimitDto,
    nullable: true,
    description:
      'Its rate limit (PUT /api/v1/job-types/{type}/rate-limit); null: its jobs start as soon as a worker has a slot',
  })
  rateLimit!: RateLimitDto | null;
}

export class JobTypeListResponseDto {
  @ApiProperty({ type: [JobTypeDto], description: 'Every job type this api accepts, by name' })
  data!: JobTypeDto[];
}
