import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class CreateJobRequestDto {
  @ApiProperty({
    example: 'echo',
    maxLength: 50,
    description:
      'A registered job type; an unknown one is refused with JOB_TYPE_UNKNOWN (the error lists the known types)',
  })
  @MaxLength(50)
  @IsNotEmpty()
  @IsString()
  jobType!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { message: 'hello', delayMs: 2000 },
    description:
      "Input of the job type's handler, validated against its payload class (JOB_PAYLOAD_INVALID names each wrong field as payload.<name>)",
  })
  @IsObject()
  payload!: Record<string, unknown>;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    example: 3,
    description: 'Automatic retries after a failed attempt; defaults to MAX_JOB_RETRIES',
  })
  @IsOptional()
  @Max(100)
  @Min(0)
  @IsInt()
  maxRetries?: number;
}
