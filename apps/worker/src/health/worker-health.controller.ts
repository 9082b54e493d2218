import { SqsHealthIndicator } from '@app/queue';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

const TIMEOUT_MS = 1500;

/** The worker's only HTTP surface: readiness (PostgreSQL and SQS) and liveness, for orchestrators. */
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly sqs: SqsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  readiness() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: TIMEOUT_MS }),
      () => this.sqs.pingCheck('sqs', { timeout: TIMEOUT_MS }),
    ]);
  }

  @Get('live')
  liveness() {
    return { status: 'ok' };
  }
}
