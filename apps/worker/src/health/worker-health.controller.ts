import { SqsHealthIndicator } from '@app/queue';
import { Controller, Get, Logger } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthIndicatorResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { EngineHealthIndicator } from './engine.health-indicator';

const TIMEOUT_MS = 1500;

/**
 * The worker's only HTTP surface: readiness (PostgreSQL, SQS and the engine, which is down while
 * the worker has fenced itself) and liveness, for orchestrators. A dependency that is down is
 * reported without its error text (hosts, ARNs, driver messages), which goes to the log.
 */
@Controller('health')
export class WorkerHealthController {
  private readonly logger = new Logger(WorkerHealthController.name);

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
      () => this.withoutText('database', this.db.pingCheck('database', { timeout: TIMEOUT_MS })),
      () => this.withoutText('sqs', this.sqs.pingCheck('sqs', { timeout: TIMEOUT_MS })),
      () => this.engine.check('engine'),
    ]);
  }

  @Get('live')
  liveness() {
    return { status: 'ok' };
  }

  private async withoutText(
    key: string,
    check: Promise<HealthIndicatorResult>,
  ): Promise<HealthIndicatorResult> {
    const result = await check;
    const { status, ...detail } = result[key];
    if (status === 'up') return result;
    this.logger.warn(`health: ${key} is down: ${JSON.stringify(detail)}`);
    return { [key]: { status } };
  }
}
