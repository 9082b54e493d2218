import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { type AuthUser, Role } from '../auth/role';
import { MeResponseDto } from './dto/me.response.dto';

/** Who the token says the caller is, so a client (the dashboard) never decodes a token itself. */
@ApiTags('me')
@Controller('api/v1/me')
export class MeController {
  @Get()
  @Roles(Role.User)
  @ApiOperation({ summary: "The caller's user id and roles, as the api reads them from the token" })
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentUser() user: AuthUser): MeResponseDto {
    return { data: { id: user.id, roles: user.roles } };
  }
}
