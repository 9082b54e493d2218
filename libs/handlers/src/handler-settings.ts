import type { HandlerSettings } from './handler-context';

/**
 * HandlerSettings from the `storage` and `cleanup` config sections, the same in the worker and
 * in a Lambda function (typed structurally: this library does not depend on @app/config).
 */
export function handlerSettings(
  storage: { exportBucket: string; exportUrlTtlSeconds: number },
  cleanup: { retentionMs: HandlerSettings['retentionMs']; batchSize: number },
): HandlerSettings {
  return {
    exportBucket: storage.exportBucket,
    exportUrlTtlSeconds: storage.exportUrlTtlSeconds,
    retentionMs: cleanup.retentionMs,
    cleanupBatchSize: cleanup.batchSize,
  };
}
