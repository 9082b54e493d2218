import { Controller, Get, Param, Put } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
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
import { JobTypesService } from './job-types.service';

const TYPE = ApiParam({ name: 'type', description: 'The job type (wire name)', example: 'export' });
const NO_SUCH_TYPE = ApiNotFoundResponse({
  description: 'No such job type (JOB_TYPE_NOT_FOUND); `details` names `type`',
  type: ErrorResponseDto,
});

/** The job catalogue as clients see it, and pause/resume per type for admins. */
@ApiTags('job-types')
@Controller('api/v1/job-types')
export class JobTypesController {
  constructor(private readonly types: JobTypesService) {}

  @Get()
  @Roles(Role.User)
  @ApiOperation({
    summary:
      'The job types: name, description, the JSON Schema of their payload, and whether they are paused',
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
}
