import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { type Env, throwIfProblems, validateSection } from './env-validation';
import { AuthEnv, authProblems, toAuthConfig } from './sections/auth.config';
import { CleanupEnv, cleanupProblems, toCleanupConfig } from './sections/cleanup.config';
import { DatabaseEnv, databaseProblems, toDatabaseConfig } from './sections/database.config';
import { EventsEnv, toEventsConfig } from './sections/events.config';
import { SharesEnv, toSharesConfig } from './sections/shares.config';
import { HttpEnv, toHttpConfig } from './sections/http.config';
import { ImportsEnv, importsProblems, toImportsConfig } from './sections/imports.config';
import { LambdaEnv, lambdaProblems, toLambdaConfig } from './sections/lambda.config';
import { LogEnv, toLogConfig } from './sections/log.config';
import { MetricsEnv, metricsProblems, toMetricsConfig } from './sections/metrics.config';
import { ProcessorEnv, toProcessorConfig } from './sections/processor.config';
import { QueueEnv, queueProblems, toQueueConfig } from './sections/queue.config';
import { RecoveryEnv, recoveryProblems, toRecoveryConfig } from './sections/recovery.config';
import { StorageEnv, toStorageConfig } from './sections/storage.config';
import { toTracingConfig, TracingEnv } from './sections/tracing.config';
import { toWorkerConfig, WorkerEnv, workerProblems } from './sections/worker.config';

/** Each section owns its variables (in ./sections); this file only composes them. */
const SECTIONS = {
  database: { env: DatabaseEnv, shape: toDatabaseConfig, check: databaseProblems },
  queue: { env: QueueEnv, shape: toQueueConfig, check: queueProblems },
  processor: { env: ProcessorEnv, shape: toProcessorConfig },
  worker: { env: WorkerEnv, shape: toWorkerConfig, check: workerProblems },
  recovery: { env: RecoveryEnv, shape: toRecoveryConfig, check: recoveryProblems },
  http: { env: HttpEnv, shape: toHttpConfig },
  auth: { env: AuthEnv, shape: toAuthConfig, check: authProblems },
  log: { env: LogEnv, shape: toLogConfig },
  storage: { env: StorageEnv, shape: toStorageConfig },
  lambda: { env: LambdaEnv, shape: toLambdaConfig, check: lambdaProblems },
  cleanup: { env: CleanupEnv, shape: toCleanupConfig, check: cleanupProblems },
  imports: { env: ImportsEnv, shape: toImportsConfig, check: importsProblems },
  metrics: { env: MetricsEnv, shape: toMetricsConfig, check: metricsProblems },
  events: { env: EventsEnv, shape: toEventsConfig },
  tracing: { env: TracingEnv, shape: toTracingConfig },
  shares: { env: SharesEnv, shape: toSharesConfig },
} as const;

interface Section {
  env: new () => object;
  shape: (value: object) => unknown;
  check?: (value: object) => string[];
}

export type ConfigSection = keyof typeof SECTIONS;
export type AppConfig = {
  [K in ConfigSection]: ReturnType<(typeof SECTIONS)[K]['shape']>;
};

/** The process environment over an optional `.env` file in the working directory. */
export function readEnv(cwd = process.cwd()): Env {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parse(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}

/**
 * Validates the named sections and shapes them into a typed object. Every problem in every
 * section is reported in one ConfigError, each line naming its variable.
 */
export function loadConfig<K extends ConfigSection>(
  env: Env,
  sections: readonly K[],
): Pick<AppConfig, K> {
  const problems: string[] = [];
  const config: Partial<Record<ConfigSection, unknown>> = {};
  for (const name of sections) {
    const section: Section = SECTIONS[name] as Section;
    const result = validateSection<object>(section.env, env);
    problems.push(...result.problems);
    if (result.problems.length === 0) problems.push(...(section.check?.(result.value) ?? []));
    config[name] = section.shape(result.value);
  }
  throwIfProblems(problems);
  return config as Pick<AppConfig, K>;
}
