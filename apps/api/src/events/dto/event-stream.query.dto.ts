import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Query of the event-stream routes. */
export class EventStreamQueryDto {
  @ApiPropertyOptional({
    description:
      'A stream token from GET /api/v1/jobs/events/token, for clients that cannot send an Authorization header (EventSource)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  access_token?: string;

  @ApiPropertyOptional({
    description:
      'Resume after this event id, as the Last-Event-ID header does (for a client that reopens the stream itself)',
    example: '1042.17.88120.1764672000000',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  lastEventId?: string;
}

/** Query of GET /api/v1/jobs/events. */
export class JobsEventStreamQueryDto extends EventStreamQueryDto {
  @ApiPropertyOptional({
    description: "Admins and viewers: only this user's jobs (default: everyone's)",
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  userId?: string;
}
