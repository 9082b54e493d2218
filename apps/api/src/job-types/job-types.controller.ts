import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { type AuthUser, Role } from '../auth/role';
import { ErrorResponseDto } from '../errors/error-response.dto';
import {
  JobTypeResumedResponseDto,
  JobTypeStateResponseDto,
} from './dto/job-type-state.response.dto';
import { JobTypeListResponseDto } from './dto/job-type.response.dto';
import {
  JobTypeRateLimitRemovedResponseDto,
  JobTypeRateLimitResponseDto,
  SetRateLimitRequestDto,
} from './dto/rate-limit.dto';
import { JobTypesService } from './job-types.service';

const TYPE = ApiParam({ name: 'type', description: 'The job type (wire name)', example: 'export' });
const NO_SUCH_TYPE = ApiNotFoundResponse({
  description: 'No such job type (JOB_TYPE_NOT_FOUND); `details` names `type`',
  type: ErrorResponseDto,
});

const INVALID_LIMIT = ApiResponse({
  status: 400,
  description:
    'Invalid input (VALIDATION_FAILED); `details` names each wrong field: limit (an integer, 1 to 10000), intervalSeconds (an integer, 1 to 86400), or any other field',
  type: ErrorResponseDto,
});

/** The job catalogue as clients see it, and pause/resume and rate limits per type for admins. */
@ApiTags('job-types')
@Controller('api/v1/job-types')
export class JobTypesController {
  constructor(private readonly types: JobTypesService) {}

  @Get()
  @Roles(Role.User)
  @ApiOperation({
    summary:
      'The job types: name, description, the JSON Schema of their payload, whether they are paused, and their rate limit',
  })
  @ApiOkResponse({ type: JobTypeListResponseDto })
  list() {
    return this.types.list();
  }

  @Put(':type/pause')
  @Roles(Role.Admin)
  @TYPE
  @ApiOperation({
    summary:
      'Admin: pause a job type: workers start none of its jobs (running ones finish); they wait pending without spending SQS receive counts. Pausing a paused type changes nothing',
  })
  @ApiOkResponse({ type: JobTypeStateResponseDto })
  @NO_SUCH_TYPE
  pause(@CurrentUser() user: AuthUser, @Param('type') type: string) {
    return this.types.pause(user, type);
  }

  @Put(':type/resume')
  @Roles(Role.Admin)
  @TYPE
  @ApiOperation({
    summary:
      'Admin: resume a paused job type: its pending jobs are announced to the workers at once. Resuming a running type changes nothing',
  })
  @ApiOkResponse({ type: JobTypeResumedResponseDto })
  @NO_SUCH_TYPE
  resume(@CurrentUser() user: AuthUser, @Param('type') type: string) {
    return this.types.resume(user, type);
  }

  @Put(':type/rate-limit')
  @Roles(Role.Admin)
  @TYPE
  @ApiOperation({
    summary:
      "Admin: set or change a job type's rate limit: at most `limit` of its jobs start in any window of `intervalSeconds`, across all workers. Jobs beyond it wait pending for their slot (no SQS receive count spent)",
  })
  @ApiOkResponse({ type: JobTypeRateLimitResponseDto })
  @INVALID_LIMIT
  @NO_SUCH_TYPE
  setRateLimit(
    @CurrentUser() user: AuthUser,
    @Param('type') type: string,
    @Body() dto: SetRateLimitRequestDto,
  ) {
    return this.types.setRateLimit(user, type, dto);
  }

  @Delete(':type/rate-limit')
  @Roles(Role.Admin)
  @TYPE
  @ApiOperation({
    summary:
      "Admin: remove a job type's rate limit: jobs it deferred are announced again at once (their own runAt kept). Removing an absent limit changes nothing",
  })
  @ApiOkResponse({ type: JobTypeRateLimitRemovedResponseDto })
  @NO_SUCH_TYPE
  removeRateLimit(@CurrentUser() user: AuthUser, @Param('type') type: string) {
    return this.types.removeRateLimit(user, type);
  }
}
