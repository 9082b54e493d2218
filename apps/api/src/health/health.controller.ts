import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { SqsHealthIndicator } from '@app/queue';
import { WorkersHealthIndicator } from './workers.health';

const TIMEOUT_MS = 1500;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly sqs: SqsHealthIndicator,
    private readonly workers: WorkersHealthIndicator,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary:
      'Readiness: 200 when PostgreSQL and SQS answer and a worker heartbeat is recent, 503 naming what is not',
  })
  @ApiOkResponse({
    description: '`{ status: "ok", info: { database: { status: "up" }, sqs: { status: "up" } } }`',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description:
      'SERVICE_UNAVAILABLE; `details` lists each failed dependency (database, sqs, workers)',
  })
  readiness() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: TIMEOUT_MS }),
      () => this.sqs.pingCheck('sqs', { timeout: TIMEOUT_MS }),
      ...(this.workers.enabled ? [() => this.workers.check('workers')] : []),
    ]);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process can serve requests' })
  @ApiOkResponse({ description: '`{ status: "ok" }`' })
  liveness() {
    return { status: 'ok' };
  }
}
