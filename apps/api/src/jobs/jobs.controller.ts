import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, RateLimitCost, Roles } from '../auth/auth.decorators';
import { type AuthUser, Role } from '../auth/role';
import { ClientGone } from '../common/client-gone.decorator';
import { StatusFrom } from '../common/status-from.decorator';
import {
  ApiDependencyErrorResponses,
  ApiErrorResponses,
} from '../errors/api-error-responses.decorator';
import { CancelJobResponseDto } from './dto/cancel-job.response.dto';
import { CreateJobBatchRequestDto, jobsInBatch } from './dto/create-job-batch.request.dto';
import { CreateJobRequestDto } from './dto/create-job.request.dto';
import {
  JobAcceptedResponseDto,
  JobBatchAcceptedResponseDto,
} from './dto/job-accepted.response.dto';
import {
  DeadJobListResponseDto,
  ListDeadJobsQueryDto,
  RedriveRequestDto,
  RedriveResponseDto,
} from './dto/dead-jobs.dto';
import { GetJobQueryDto } from './dto/get-job.query.dto';
import { JobDetailResponseDto } from './dto/job-detail.response.dto';
import { JobListResponseDto } from './dto/job-list.response.dto';
import { JobLogsResponseDto } from './dto/job-logs.response.dto';
import { ListJobsQueryDto } from './dto/list-jobs.query.dto';
import { StatsOverviewResponseDto } from './dto/stats-overview.response.dto';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey } from './idempotency-key.decorator';
import { JobIdParam } from './job-id.param';
import { JobsApiService } from './jobs-api.service';

const ID = ApiParam({ name: 'id', format: 'uuid', description: 'The job id' });

/** The specification's six endpoints plus batch creation and manual retry. Static paths come before `:id`. */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsApiService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles(Role.User)
  @ApiOperation({ summary: 'Create a job: stored as pending and queued; a worker runs it' })
  @ApiHeader({
    name: IDEMPOTENCY_KEY_HEADER,
    required: false,
    description:
      'Makes the request safe to repeat: the same key with the same body answers with the job it created; with another body, 422',
  })
  @ApiAcceptedResponse({ type: JobAcceptedResponseDto })
  @ApiErrorResponses(400, 413, 422, 429)
  @ApiDependencyErrorResponses()
  create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateJobRequestDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.jobs.create(user, dto, key);
  }

  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles(Role.User)
  @RateLimitCost(jobsInBatch)
  @ApiOperation({
    summary:
      'Create up to 500 jobs in one transaction (all or none); jobs may depend on each other by `ref` (a DAG)',
  })
  @ApiAcceptedResponse({ type: JobBatchAcceptedResponseDto })
  @ApiErrorResponses(400, 413, 429)
  @ApiDependencyErrorResponses()
  createBatch(@CurrentUser() user: AuthUser, @Body() dto: CreateJobBatchRequestDto) {
    return this.jobs.createBatch(user, dto);
  }

  @Get()
  @Roles(Role.User)
  @ApiOperation({
    summary:
      "Find jobs: the caller's (an admin's or viewer's: everyone's, or one user's), by status, type, parent, created and finished time, payload containment; sorted; paged by offset or by cursor",
  })
  @ApiOkResponse({ type: JobListResponseDto })
  @ApiErrorResponses(400)
  list(@CurrentUser() user: AuthUser, @Query() query: ListJobsQueryDto) {
    return this.jobs.list(user, query);
  }

  @Get('stats/overview')
  @Roles(Role.Admin)
  @ApiOperation({
    summary: 'Admin dashboard: jobs by status, processing time, failure rate, queue depth',
  })
  @ApiOkResponse({ type: StatsOverviewResponseDto })
  overview() {
    return this.jobs.overview();
  }

  @Get('dlq')
  @Roles(Role.Admin)
  @ApiOperation({ summary: 'Admin: dead jobs (failed for good, copied to the DLQ), newest first' })
  @ApiOkResponse({ type: DeadJobListResponseDto })
  @ApiErrorResponses(400)
  listDead(@Query() query: ListDeadJobsQueryDto) {
    return this.jobs.listDead(query);
  }

  @Post('dlq/redrive')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles(Role.Admin)
  @ApiOperation({
    summary:
      'Admin: run dead jobs again — some (jobIds), one type (jobType) or all — and clear their DLQ copies',
  })
  @ApiAcceptedResponse({ type: RedriveResponseDto })
  @ApiErrorResponses(400, 429)
  redrive(@CurrentUser() user: AuthUser, @Body() dto: RedriveRequestDto) {
    return this.jobs.redrive(user, dto);
  }

  @Get(':id')
  @Roles(Role.User)
  @ID
  @ApiOperation({
    summary:
      'A job with its progress, estimated completion, retries and results; with waitSeconds, once it is final or the wait ends',
  })
  @ApiOkResponse({ type: JobDetailResponseDto })
  @ApiErrorResponses(400, 404, 503)
  get(
    @CurrentUser() user: AuthUser,
    @JobIdParam() id: string,
    @Query() query: GetJobQueryDto,
    @ClientGone() clientGone: AbortSignal,
  ) {
    return this.jobs.get(user, id, query.waitSeconds, clientGone);
  }

  @Put(':id/cancel')
  @Roles(Role.User)
  @ID
  @StatusFrom((r: CancelJobResponseDto) =>
    r.data.cancelRequested ? HttpStatus.ACCEPTED : HttpStatus.OK,
  )
  @ApiOperation({
    summary:
      'Cancel a job: a pending one at once; a processing one is stopped, the answer waiting up to CANCEL_WAIT_MS for its handler (200 cancelled), else 202 cancelRequested',
  })
  @ApiOkResponse({
    type: CancelJobResponseDto,
    description:
      'Cancelled (or, when its handler finished before it noticed, the status it finished with)',
  })
  @ApiAcceptedResponse({
    type: CancelJobResponseDto,
    description: 'Still processing after CANCEL_WAIT_MS: its handler is being stopped',
  })
  @ApiErrorResponses(400, 404, 409)
  cancel(@CurrentUser() user: AuthUser, @JobIdParam() id: string) {
    return this.jobs.cancel(user, id);
  }

  @Get(':id/logs')
  @Roles(Role.User)
  @ID
  @ApiOperation({ summary: "The job's log lines (worker, Lambda, api), oldest first" })
  @ApiOkResponse({ type: JobLogsResponseDto })
  @ApiErrorResponses(400, 404)
  logs(@CurrentUser() user: AuthUser, @JobIdParam() id: string) {
    return this.jobs.logs(user, id);
  }

  @Post(':id/retry')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles(Role.User)
  @ID
  @ApiOperation({ summary: 'Run a failed or cancelled job again (owner or admin)' })
  @ApiAcceptedResponse({ type: JobAcceptedResponseDto })
  @ApiErrorResponses(400, 404, 409, 429)
  retry(@CurrentUser() user: AuthUser, @JobIdParam() id: string) {
    return this.jobs.retry(user, id);
  }
}
