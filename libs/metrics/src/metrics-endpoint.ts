import { timingSafeEqual } from 'node:crypto';
import type { AppConfig, MetricsConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Metrics } from './metrics';

/**
 * What GET /metrics needs from the app's controller: whether the caller may read (METRICS_TOKEN)
 * and the text. The controllers live in the apps, which map a refusal to their 401.
 */
@Injectable()
export class MetricsEndpoint {
  private readonly config: MetricsConfig;

  constructor(
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.config = config.get('metrics', { infer: true });
  }

  /** True when no token is configured, or `authorization` is `Bearer <that token>`. */
  authorized(authorization: string | undefined): boolean {
    const { token } = this.config;
    if (token === undefined) return true;
    const given = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  render(): Promise<string> {
    return this.metrics.render();
  }
}
