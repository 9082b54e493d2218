export { MetricsModule } from './metrics.module';
export { Metrics, METRICS_CONTENT_TYPE, OTHER_JOB_TYPE } from './metrics';
export { MetricsEndpoint } from './metrics-endpoint';
export { HttpMetricsHook, UNMATCHED_ROUTE } from './http-metrics.hook';
