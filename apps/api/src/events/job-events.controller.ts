import type { AppConfig } from '@app/config';
import { JobEventsRepository, JobNotFoundError, JobsService } from '@app/jobs';
import { Metrics } from '@app/metrics';
import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, Roles, StreamTokenAccepted } from '../auth/auth.decorators';
import { type AuthUser, Role, seesAllJobs } from '../auth/role';
import { StreamTokens } from '../auth/stream-tokens';
import { ApiErrorResponses } from '../errors/api-error-responses.decorator';
import { RequestValidationError } from '../errors/request-validation.error';
import { JobIdParam } from '../jobs/job-id.param';
import { EventStreamQueryDto, JobsEventStreamQueryDto } from './dto/event-stream.query.dto';
import { StreamTokenResponseDto } from './dto/stream-token.response.dto';
import { decodeCursor } from './event-cursor';
import { EventFeed } from './event-feed';
import { JobEventsHub } from './job-events.hub';
import { SseWriter } from './sse-writer';
import type { EventScope, StreamPosition } from '@app/jobs';

const STREAM_DESCRIPTION =
  'Server-Sent Events: `status` (every status change, with `result` when a watched job completes), `progress`, `log` (one job only), `ready` (the position to resume from) and `reset` (Last-Event-ID is older than the resume window: reload). Every event but `reset` has an SSE id; reconnecting with it as Last-Event-ID (EventSource does) resumes without a gap.';

/** Live job events over Server-Sent Events (see JobEventsHub and EventFeed). */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobEventsController {
  private readonly resumeSeconds: number;
  private readonly maxStreams: number;

  constructor(
    private readonly hub: JobEventsHub,
    private readonly events: JobEventsRepository,
    private readonly jobs: JobsService,
    private readonly tokens: StreamTokens,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    ({ resumeSeconds: this.resumeSeconds, maxStreams: this.maxStreams } = config.get('events', {
      infer: true,
    }));
  }

  @Get('events/token')
  @Roles(Role.User)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary:
      "A stream token: opens the caller's event streams as ?access_token= for 5 minutes (for EventSource, which cannot send headers); nothing else accepts it",
  })
  @ApiOkResponse({ type: StreamTokenResponseDto })
  token(@CurrentUser() user: AuthUser): StreamTokenResponseDto {
    return { data: this.tokens.mint(user) };
  }

  @Get('events')
  @Roles(Role.User)
  @StreamTokenAccepted()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: "Stream the caller's jobs' events (an admin's or viewer's: everyone's, or one user's)",
    description: STREAM_DESCRIPTION,
  })
  @ApiOkResponse({ description: 'An event stream' })
  @ApiErrorResponses(400, 503)
  async all(
    @CurrentUser() user: AuthUser,
    @Query() query: JobsEventStreamQueryDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (query.userId !== undefined && query.userId !== user.id && !seesAllJobs(user))
      throw new ForbiddenException('Filtering by userId needs the admin or viewer role');
    const userId = seesAllJobs(user) ? (query.userId ?? null) : user.id;
    await this.stream({ userId }, query, request, reply);
  }

  @Get(':id/events')
  @Roles(Role.User)
  @StreamTokenAccepted()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: "Stream one job's events: its status, progress and log lines as they happen",
    description: `${STREAM_DESCRIPTION} A fresh stream starts with the job's current status and its log so far.`,
  })
  @ApiOkResponse({ description: 'An event stream' })
  @ApiErrorResponses(400, 404, 503)
  async one(
    @CurrentUser() user: AuthUser,
    @JobIdParam() id: string,
    @Query() query: EventStreamQueryDto,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const job = await this.jobs.getById(id);
    if (job.userId !== user.id && !seesAllJobs(user)) throw new JobNotFoundError(id);
    await this.stream({ jobId: id }, query, request, reply);
  }

  private async stream(
    scope: EventScope,
    query: EventStreamQueryDto,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const after = resumeFrom(request, query);
    if (this.hub.streams >= this.maxStreams)
      throw new ServiceUnavailableException('This instance serves its most event streams; retry');
    reply.hijack();
    const writer = new SseWriter(reply.raw, (reason) => feed.ended(reason));
    const feed = new EventFeed(scope, writer, {
      hub: this.hub,
      events: this.events,
      metrics: this.metrics,
      resumeSeconds: this.resumeSeconds,
    });
    writer.open({ 'x-request-id': String(request.id) });
    try {
      await feed.start(after);
    } catch {
      // PostgreSQL failed us while starting: the client reconnects and resumes
      writer.end('interrupted');
    }
  }
}

/** Last-Event-ID (header, or the query for clients that reopen streams themselves). */
function resumeFrom(request: FastifyRequest, query: EventStreamQueryDto): StreamPosition | null {
  const header = request.headers['last-event-id'];
  const text = query.lastEventId ?? (typeof header === 'string' ? header : undefined);
  if (text === undefined || text === '') return null;
  const position = decodeCursor(text);
  if (!position)
    throw new RequestValidationError([
      { field: 'Last-Event-ID', message: 'Last-Event-ID must be an id this api sent' },
    ]);
  return position;
}
