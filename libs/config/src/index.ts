export { AppConfigModule } from './app-config.module';
export { ConfigError } from './config.error';
export { loadConfig, readEnv, type AppConfig, type ConfigSection } from './load-config';
export type { Env } from './env-validation';
export { jwtSecretProblem, type AuthConfig } from './sections/auth.config';
export {
  DEFAULT_DATABASE_TIMEOUTS,
  pgPoolOptions,
  type DatabaseConfig,
  type DatabaseTimeouts,
} from './sections/database.config';
export type { HttpConfig } from './sections/http.config';
export type { ProcessorConfig } from './sections/processor.config';
export type { QueueConfig } from './sections/queue.config';
export type { RecoveryConfig } from './sections/recovery.config';
export type { StorageConfig } from './sections/storage.config';
export type { JobRoute, LambdaConfig, LambdaInvocationType } from './sections/lambda.config';
export { exitOnStartupError } from './startup';
export type { LogConfig, LogFormat } from './sections/log.config';
export type { WorkerConfig } from './sections/worker.config';
export type { CleanupConfig, RetentionMs } from './sections/cleanup.config';
export type { ImportsConfig } from './sections/imports.config';
export type { MetricsConfig } from './sections/metrics.config';
export type { EventsConfig } from './sections/events.config';
export type { TracingConfig } from './sections/tracing.config';
export type { SharesConfig } from './sections/shares.config';
