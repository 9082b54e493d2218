import type { ChildProcess } from 'node:child_process';
import type { AppConfig } from '@app/config';
import { EMULATOR_CREDENTIALS, spawnFromSource } from './spawn-from-source';

/** The environment that makes `loadConfig` produce `config` (the inverse of libs/config). */
export function configToEnv(config: AppConfig): Record<string, string> {
  return {
    DATABASE_URL: config.database.url,
    DATABASE_RUN_MIGRATIONS: 'false',
    DATABASE_POOL_SIZE: String(config.database.poolSize),
    DATABASE_CONNECT_TIMEOUT_MS: String(config.database.timeouts.connectMs),
    DATABASE_STATEMENT_TIMEOUT_MS: String(config.database.timeouts.statementMs),
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: String(config.database.timeouts.idleInTransactionMs),
    DATABASE_QUERY_TIMEOUT_MS: String(config.database.timeouts.queryMs),
    DATABASE_KEEPALIVE_INITIAL_DELAY_MS: String(config.database.timeouts.keepAliveInitialDelayMs),
    SQS_QUEUE_URL: config.queue.queueUrl,
    SQS_DLQ_URL: config.queue.dlqUrl,
    ...(config.queue.priorityQueueUrl
      ? { SQS_PRIORITY_QUEUE_URL: config.queue.priorityQueueUrl }
      : {}),
    ...(config.queue.endpoint ? { SQS_ENDPOINT: config.queue.endpoint } : {}),
    SQS_WAIT_TIME_SECONDS: String(config.queue.waitTimeSeconds),
    SQS_CONNECT_TIMEOUT_MS: String(config.queue.connectTimeoutMs),
    SQS_REQUEST_TIMEOUT_MS: String(config.queue.requestTimeoutMs),
    JOB_PROCESSOR_INTERVAL: String(config.processor.intervalMs),
    MAX_JOB_RETRIES: String(config.processor.maxRetries),
    INITIAL_RETRY_DELAY: String(config.processor.initialRetryDelayMs),
    WORKER_CONCURRENCY: String(config.worker.concurrency),
    WORKER_RECEIVERS: String(config.worker.receivers),
    WORKER_HEARTBEAT_MS: String(config.worker.heartbeatMs),
    WORKER_SHUTDOWN_GRACE_MS: String(config.worker.shutdownGraceMs),
    WORKER_DEFAULT_TIMEOUT_MS: String(config.worker.defaultTimeoutMs),
    WORKER_ABORT_GRACE_MS: String(config.worker.abortGraceMs),
    WORKER_MAX_RESULT_BYTES: String(config.worker.maxResultBytes),
    RECOVERY_STALL_AFTER_MS: String(config.worker.stallAfterMs),
    RECOVERY_RESEND_AFTER_MS: String(config.worker.resendAfterMs),
    ...(config.recovery.webhookUrl ? { ALERT_WEBHOOK_URL: config.recovery.webhookUrl } : {}),
    ...(config.recovery.webhookSecret
      ? { ALERT_WEBHOOK_SECRET: config.recovery.webhookSecret }
      : {}),
    ALERT_FAILURE_RATE_THRESHOLD: String(config.recovery.failureRateThreshold),
    ALERT_WINDOW_MS: String(config.recovery.windowMs),
    ALERT_MIN_ATTEMPTS: String(config.recovery.minAttempts),
    RETRY_MAX_DELAY_MS: String(config.recovery.retryMaxDelayMs),
    S3_CONNECT_TIMEOUT_MS: String(config.storage.connectTimeoutMs),
    S3_SOCKET_TIMEOUT_MS: String(config.storage.socketTimeoutMs),
    CLEANUP_BATCH_SIZE: String(config.cleanup.batchSize),
    CLEANUP_CRON: config.cleanup.cron ?? 'off',
    ...(config.tracing.tracesUrl
      ? { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: config.tracing.tracesUrl }
      : {}),
    LOG_LEVEL: 'warn',
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts test/support/worker-main.ts in its own process and waits until it is consuming. */
export async function spawnWorker(config: AppConfig): Promise<WorkerProcess> {
  const child = spawnFromSource('test/support/worker-main.ts', {
    ...EMULATOR_CREDENTIALS,
    ...configToEnv(config),
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes('worker ready')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`worker did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exited };
}
