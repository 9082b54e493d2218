import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { type AuthUser, Role } from '../auth/role';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { JobIdParam as IdParam } from '../jobs/job-id.param';
import { CreateScheduleRequestDto } from './dto/create-schedule.request.dto';
import { ListSchedulesQueryDto } from './dto/list-schedules.query.dto';
import { ScheduleListResponseDto, ScheduleResponseDto } from './dto/schedule.response.dto';
import { UpdateScheduleRequestDto } from './dto/update-schedule.request.dto';
import { MAX_SCHEDULES_PER_USER, SchedulesApiService } from './schedules-api.service';

const ID = ApiParam({ name: 'id', format: 'uuid', description: 'The schedule id' });
const error = (status: number, description: string) =>
  ApiResponse({ status, description, type: ErrorResponseDto });
const INVALID = error(
  400,
  'Invalid input; `details` names each wrong field: VALIDATION_FAILED (cron, timeZone, jitterSeconds, name, id), JOB_TYPE_UNKNOWN, JOB_PAYLOAD_INVALID (payload.<field>)',
);
const NOT_FOUND = error(
  404,
  "No such schedule, or another user's (SCHEDULE_NOT_FOUND); a user never sees the system's",
);
const ADMIN_FIELD = error(
  403,
  'The payload asks what only an admin may, e.g. payload.allUsers (FORBIDDEN)',
);

/** Recurring jobs: a cron expression in a time zone submits one job per tick (see ScheduleTicker). */
@ApiTags('schedules')
@Controller('api/v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesApiService) {}

  @Post()
  @Roles(Role.User)
  @ApiOperation({
    summary: 'Create a schedule: one job of jobType with payload on every tick of cron in timeZone',
  })
  @ApiCreatedResponse({ type: ScheduleResponseDto })
  @INVALID
  @ADMIN_FIELD
  @error(409, `The caller has ${MAX_SCHEDULES_PER_USER} schedules already (SCHEDULE_LIMIT_REACHED)`)
  @error(429, 'Too many POST requests by this user; see Retry-After (RATE_LIMITED)')
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateScheduleRequestDto) {
    return this.schedules.create(user, dto);
  }

  @Get()
  @Roles(Role.User)
  @ApiOperation({
    summary:
      "The caller's schedules (an admin's or viewer's: everyone's, the system's included), newest first",
  })
  @ApiOkResponse({ type: ScheduleListResponseDto })
  @INVALID
  list(@CurrentUser() user: AuthUser, @Query() query: ListSchedulesQueryDto) {
    return this.schedules.list(user, query);
  }

  @Get(':id')
  @Roles(Role.User)
  @ID
  @ApiOperation({ summary: 'One schedule with its next run times' })
  @ApiOkResponse({ type: ScheduleResponseDto })
  @INVALID
  @NOT_FOUND
  get(@CurrentUser() user: AuthUser, @IdParam() id: string) {
    return this.schedules.get(user, id);
  }

  @Patch(':id')
  @Roles(Role.User)
  @ID
  @ApiOperation({
    summary:
      'Change name, cron, timeZone, payload or jitterSeconds (not jobType); a new timetable starts from its next tick',
  })
  @ApiOkResponse({ type: ScheduleResponseDto })
  @INVALID
  @ADMIN_FIELD
  @NOT_FOUND
  update(
    @CurrentUser() user: AuthUser,
    @IdParam() id: string,
    @Body() dto: UpdateScheduleRequestDto,
  ) {
    return this.schedules.update(user, id, dto);
  }

  @Put(':id/pause')
  @Roles(Role.User)
  @ID
  @ApiOperation({
    summary: 'Pause: no more ticks until resumed (pausing a paused schedule changes nothing)',
  })
  @ApiOkResponse({ type: ScheduleResponseDto })
  @INVALID
  @NOT_FOUND
  pause(@CurrentUser() user: AuthUser, @IdParam() id: string) {
    return this.schedules.pause(user, id);
  }

  @Put(':id/resume')
  @Roles(Role.User)
  @ID
  @ApiOperation({
    summary: 'Resume from the next tick after now; ticks passed while paused are not caught up',
  })
  @ApiOkResponse({ type: ScheduleResponseDto })
  @INVALID
  @NOT_FOUND
  resume(@CurrentUser() user: AuthUser, @IdParam() id: string) {
    return this.schedules.resume(user, id);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Roles(Role.User)
  @ID
  @ApiOperation({ summary: 'Delete a schedule; jobs it submitted stay' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @INVALID
  @NOT_FOUND
  @error(
    409,
    "The system's schedule (the clean-up) cannot be deleted; pause it (SCHEDULE_SYSTEM_OWNED)",
  )
  delete(@CurrentUser() user: AuthUser, @IdParam() id: string) {
    return this.schedules.delete(user, id);
  }
}
