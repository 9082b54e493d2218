import { SqsHealthIndicator } from '@app/queue';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { EngineHealthIndicator } from './engine.health-indicator';

const TIMEOUT_MS = 1500;

/**
 * The worker's only HTTP surface: readiness (PostgreSQL, SQS and the engine, which is down while
 * the worker has fenced itself) and liveness, for orchestrators.
 */
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly sqs: SqsHealthIndicator,
    private readonly engine: EngineHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  readiness() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: TIMEOUT_MS }),
      () => this.sqs.pingCheck('sqs', { timeout: TIMEOUT_MS }),
      () => this.engine.check('engine'),
    ]);
  }

  @Get('live')
  liveness() {
    return { status: 'ok' };
  }
}
