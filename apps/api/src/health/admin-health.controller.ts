import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { Role } from '../auth/role';
import { AdminHealthResponseDto } from './dto/health.response.dto';
import { toAdmin } from './health.presenter';
import { Readiness } from './readiness.service';

@ApiTags('admin')
@Controller('api/v1/admin/health')
export class AdminHealthController {
  constructor(private readonly checks: Readiness) {}

  @Get()
  @Roles(Role.Admin)
  @ApiOperation({
    summary:
      'Admin: each dependency with why it is down, the queue depths and worker presence (the check /health uses)',
  })
  @ApiOkResponse({ type: AdminHealthResponseDto })
  async details(): Promise<AdminHealthResponseDto> {
    return { data: toAdmin(await this.checks.report()) };
  }
}
