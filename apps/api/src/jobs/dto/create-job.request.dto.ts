import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_DEPENDENCIES } from '@app/jobs';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_AHEAD_DAYS, MAX_DELAY_SECONDS } from '../job-timing';

/** An ISO 8601 time must say its zone (`Z` or `±hh:mm`): without one it would mean the server's. */
const WITH_ZONE = /(Z|[+-]\d\d(:?\d\d)?)$/i;

/** An optional ISO 8601 time with its zone. */
function IsOptionalZonedTime(): PropertyDecorator {
  return (target, key) => {
    IsOptional()(target, key);
    Matches(WITH_ZONE, { message: '$property must end with Z or a UTC offset' })(target, key);
    IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 time' })(target, key);
  };
}

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

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-01-07T09:00:00Z',
    description: `Start no earlier than this (ISO 8601 with \`Z\` or an offset), at most ${MAX_AHEAD_DAYS} days ahead. A time now or past runs at once. The job is \`pending\` meanwhile and can be cancelled. Not with delaySeconds`,
  })
  @IsOptionalZonedTime()
  runAt?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_DELAY_SECONDS,
    example: 3600,
    description: `Start no earlier than this many seconds from now (the database's clock), 0 to ${MAX_DELAY_SECONDS} (${MAX_AHEAD_DAYS} days). Not with runAt`,
  })
  @IsOptional()
  @Max(MAX_DELAY_SECONDS)
  @Min(0)
  @IsInt()
  delaySeconds?: number;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-01-07T10:00:00Z',
    description: `Cancel the job if no attempt has started by then (ISO 8601 with \`Z\` or an offset): later than now and than runAt (or now + delaySeconds), at most ${MAX_AHEAD_DAYS} days after that. The job ends \`cancelled\` with errorMessage "Expired: …"; an attempt that started before keeps running, but no retry starts after it`,
  })
  @IsOptionalZonedTime()
  expireAt?: string;

  @ApiPropertyOptional({
    minimum: 1,
    example: 30,
    description:
      "Time limit of each attempt in seconds, instead of the job type's: 1 to the type's own limit (its timeoutMs, else WORKER_DEFAULT_TIMEOUT_MS; a larger value is refused naming the maximum). An attempt that runs longer fails with a timeout and is retried like any failure",
  })
  @IsOptional()
  @Min(1)
  @IsInt()
  timeoutSeconds?: number;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_DEPENDENCIES,
    example: ['0b7d0c6e-3f7a-4c1e-9d55-2a4f0e8b9c11'],
    description: `Start only once every one of these jobs has completed: ids of your own jobs (an admin may name anyone's), at most ${MAX_DEPENDENCIES}; in a batch, also the \`ref\` of another job of the same batch. Until then the job is \`pending\` (its \`dependenciesLeft\` counts what it waits for) and can be cancelled; with runAt it starts at the later of both. When a dependency fails for good, is cancelled or expires, this job is cancelled too (errorMessage names the dependency), and so are the jobs waiting for it. A dependency already completed counts as done. Refused: an id that is not one of your jobs (404 JOB_DEPENDENCY_NOT_FOUND), a job already failed for good or cancelled (409 JOB_DEPENDENCY_ENDED), an entry that is neither a job id nor a ref of the batch, or refs forming a cycle (400 VALIDATION_FAILED). Duplicates count once`,
  })
  @IsOptional()
  @ArrayMaxSize(MAX_DEPENDENCIES)
  @MaxLength(100, { each: true })
  @IsString({ each: true })
  @IsArray()
  dependsOn?: string[];
}
