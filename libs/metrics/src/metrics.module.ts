import { Module } from '@nestjs/common';
import { HttpMetricsHook } from './http-metrics.hook';
import { Metrics } from './metrics';
import { MetricsEndpoint } from './metrics-endpoint';

/**
 * The process's metrics. Every module that counts something imports this one; Nest makes one
 * instance per application, so the api's and a worker's counters stay apart even in one process.
 */
@Module({
  providers: [Metrics, MetricsEndpoint, HttpMetricsHook],
  exports: [Metrics, MetricsEndpoint, HttpMetricsHook],
})
export class MetricsModule {}
