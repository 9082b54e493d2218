import type { AppConfig } from '@app/config';
import { WorkerPresence } from '@app/jobs';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorService } from '@nestjs/terminus';

/**
 * Up when some worker's heartbeat (table worker_heartbeats) is at most HEALTH_WORKER_MAX_AGE_MS
 * old: jobs accepted with no worker alive would wait silently. 0 turns the check off.
 */
@Injectable()
export class WorkersHealthIndicator {
  private readonly maxAgeMs: number;

  constructor(
    private readonly presence: WorkerPresence,
    private readonly indicator: HealthIndicatorService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxAgeMs = config.get('http', { infer: true }).workerMaxAgeMs;
  }

  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  async check(key: string) {
    const check = this.indicator.check(key);
    const { live, lastSeenAt } = await this.presence.summary(this.maxAgeMs);
    const details = { live, lastSeenAt: lastSeenAt?.toISOString() ?? null };
    return live > 0
      ? check.up(details)
      : check.down({ ...details, message: `no worker heartbeat in the last ${this.maxAgeMs} ms` });
  }
}
