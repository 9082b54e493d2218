import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { PublicHealthResponseDto } from './dto/health.response.dto';
import { toPublic } from './health.presenter';
import { Readiness } from './readiness.service';

/**
 * Public probes for load balancers and orchestrators. They say up or down per dependency and
 * never why: the reasons (hosts, ARNs, driver errors) are in the server log and behind
 * GET /api/v1/admin/health.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly checks: Readiness) {}

  @Get()
  @ApiOperation({
    summary:
      'Readiness: 200 while PostgreSQL answers, 503 when it does not; SQS and workers are reported as information (checked at most every HEALTH_CACHE_MS)',
    security: [],
  })
  @ApiOkResponse({ type: PublicHealthResponseDto })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'SERVICE_UNAVAILABLE; `details` names each dependency that is down',
  })
  async readiness(): Promise<PublicHealthResponseDto> {
    const report = await this.checks.report();
    const info = toPublic(report);
    if (report.ready) return { status: 'ok', info };
    // terminus's report shape, which the exception filter turns into the error envelope; it
    // names only what readiness depends on
    throw new ServiceUnavailableException({
      status: 'error',
      info,
      error: { database: info.database },
      details: info,
    });
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process can serve requests', security: [] })
  @ApiOkResponse({ description: '`{ status: "ok" }`' })
  liveness() {
    return { status: 'ok' };
  }
}
