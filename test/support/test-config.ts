import { type AppConfig, DEFAULT_DATABASE_TIMEOUTS } from '@app/config';

/** A complete, valid configuration for tests; override what a test is about. */
export function testConfig(
  databaseUrl: string,
  overrides: { [K in keyof AppConfig]?: Partial<AppConfig[K]> } = {},
): AppConfig {
  return {
    database: {
      url: databaseUrl,
      runMigrations: false,
      poolSize: 20,
      timeouts: DEFAULT_DATABASE_TIMEOUTS,
      ...overrides.database,
    },
    queue: {
      queueUrl: 'http://127.0.0.1:1/000000000000/unused',
      dlqUrl: 'http://127.0.0.1:1/000000000000/unused-dlq',
      endpoint: undefined,
      region: 'us-east-1',
      waitTimeSeconds: 1,
      connectTimeoutMs: 3000,
      requestTimeoutMs: 10_000,
      ...overrides.queue,
    },
    processor: { intervalMs: 200, maxRetries: 3, initialRetryDelayMs: 50, ...overrides.processor },
    worker: {
      concurrency: 20,
      receivers: 2,
      typeConcurrency: {},
      heartbeatMs: 200,
      shutdownGraceMs: 5000,
      defaultTimeoutMs: 60_000,
      abortGraceMs: 2000,
      maxResultBytes: 1_048_576,
      // 25 heartbeats: a loaded CI machine must not make a live worker look stalled
      stallAfterMs: 5000,
      // the safety net for messages SQS strands (see RECOVERY_RESEND_AFTER_MS), short in tests
      resendAfterMs: 10_000,
      ...overrides.worker,
    },
    recovery: {
      webhookUrl: undefined,
      webhookSecret: undefined,
      failureRateThreshold: 0.25,
      windowMs: 300_000,
      minAttempts: 10,
      retryMaxDelayMs: 3_600_000,
      ...overrides.recovery,
    },
    http: {
      port: 0,
      workerHealthPort: 0,
      host: '127.0.0.1',
      bodyLimitBytes: 1_048_576,
      workerMaxAgeMs: 0,
      healthCacheMs: 0,
      rateLimitWindowMs: 60_000,
      rateLimitMax: 10_000,
      maxUnfinishedJobs: 100_000,
      ...overrides.http,
    },
    auth: {
      secret: 'test-secret-test-secret-test-secret!',
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      rolesClaim: 'roles',
      maxAgeSeconds: 86_400,
      clockToleranceSeconds: 30,
      ...overrides.auth,
    },
    log: { level: 'silent', ...overrides.log },
    storage: {
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: true,
      mediaBucket: 'jobqueue-media',
      userPrefix: 'users/{sub}/',
      uploadUrlTtlSeconds: 300,
      uploadMaxBytes: 1_048_576,
      exportBucket: 'jobqueue-exports',
      exportUrlTtlSeconds: 3600,
      connectTimeoutMs: 3000,
      socketTimeoutMs: 30_000,
      ...overrides.storage,
    },
    lambda: {
      routes: {},
      endpoint: undefined,
      region: 'us-east-1',
      invocationType: 'RequestResponse',
      payloadLimitBytes: 6_291_456,
      timeoutMs: 900_000,
      ...overrides.lambda,
    },
    cleanup: {
      retentionMs: {
        completed: 7 * 86_400_000,
        failed: 30 * 86_400_000,
        cancelled: 7 * 86_400_000,
      },
      batchSize: 1000,
      // tests call the schedule's tick themselves
      cron: null,
      ...overrides.cleanup,
    },
    imports: {
      childTypes: ['echo', 'thumbnail-generation', 'export'],
      maxChildren: 10_000,
      ...overrides.imports,
    },
  };
}
