import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { type AuthUser, Role } from '../auth/role';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { SetTypeShareRequestDto, SetUserShareRequestDto } from './dto/fair-share.request.dto';
import {
  FairSharesResponseDto,
  TypeShareResponseDto,
  UserShareResponseDto,
} from './dto/fair-shares.response.dto';
import { FairSharesApiService } from './fair-shares-api.service';
import { UserIdParam } from './user-id.param';

const USER = ApiParam({ name: 'userId', description: "The user's id (a token's `sub`)" });
const TYPE = ApiParam({ name: 'type', description: 'The job type (wire name)', example: 'export' });
const INVALID = ApiBadRequestResponse({
  description: 'A field is missing or out of range; `details` names it',
  type: ErrorResponseDto,
});
const NO_SUCH_TYPE = ApiNotFoundResponse({
  description: 'No such job type (JOB_TYPE_NOT_FOUND); `details` names `type`',
  type: ErrorResponseDto,
});

/**
 * Fair shares: caps on how many jobs one user has running at once, so that one user's backlog
 * cannot hold everyone else's jobs back. Admins change them; viewers read them.
 */
@ApiTags('admin')
@Controller('api/v1/admin/fair-shares')
export class FairSharesController {
  constructor(private readonly shares: FairSharesApiService) {}

  @Get()
  @Roles(Role.Admin)
  @ApiOperation({
    summary:
      'Admin: the default cap, the per-user and per-type caps, and the users whose jobs wait over their share',
  })
  @ApiOkResponse({ type: FairSharesResponseDto })
  list() {
    return this.shares.list();
  }

  @Put('users/:userId')
  @Roles(Role.Admin)
  @USER
  @ApiOperation({
    summary:
      "Admin: set one user's cap on running jobs (instead of FAIR_SHARE_MAX_RUNNING); a raised cap starts held jobs at once",
  })
  @ApiOkResponse({ type: UserShareResponseDto })
  @INVALID
  setUser(
    @CurrentUser() admin: AuthUser,
    @UserIdParam() userId: string,
    @Body() body: SetUserShareRequestDto,
  ) {
    return this.shares.setUser(admin, userId, body.maxRunning);
  }

  @Delete('users/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Roles(Role.Admin)
  @USER
  @ApiOperation({ summary: "Admin: drop a user's cap; the default applies again" })
  @ApiNoContentResponse({ description: 'Dropped, or there was none' })
  @INVALID
  clearUser(@CurrentUser() admin: AuthUser, @UserIdParam() userId: string) {
    return this.shares.clearUser(admin, userId);
  }

  @Put('types/:type')
  @Roles(Role.Admin)
  @TYPE
  @ApiOperation({
    summary: "Admin: cap each user's running jobs of one type (beside the user's own cap)",
  })
  @ApiOkResponse({ type: TypeShareResponseDto })
  @INVALID
  @NO_SUCH_TYPE
  setType(
    @CurrentUser() admin: AuthUser,
    @Param('type') type: string,
    @Body() body: SetTypeShareRequestDto,
  ) {
    return this.shares.setType(admin, type, body.maxRunningPerUser);
  }

  @Delete('types/:type')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Roles(Role.Admin)
  @TYPE
  @ApiOperation({ summary: "Admin: drop a type's per-user cap" })
  @ApiNoContentResponse({ description: 'Dropped, or there was none' })
  @NO_SUCH_TYPE
  clearType(@CurrentUser() admin: AuthUser, @Param('type') type: string) {
    return this.shares.clearType(admin, type);
  }
}
