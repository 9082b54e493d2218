import { JobProcessor } from '@app/processor';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/**
 * The worker's engine: down while it is fenced (it could not reach PostgreSQL for the stall
 * limit and stopped its handlers); always reports the jobs it holds and its runaway handlers
 * (timed out, ignoring their signal, still holding a slot).
 */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly processor: JobProcessor,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key: string) {
    const { fenced, inFlight, runaways } = this.processor;
    const check = this.indicator.check(key);
    return fenced ? check.down({ fenced, inFlight, runaways }) : check.up({ inFlight, runaways });
  }
}
