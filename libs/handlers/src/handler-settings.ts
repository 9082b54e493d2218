import type { HandlerSettings } from './handler-context';

/**
 * HandlerSettings from the `storage`, `imports` and `cleanup` config sections, the same in the
 * worker and in a Lambda function (typed structurally: this library does not depend on
 * @app/config).
 */
export function handlerSettings(
  storage: {
    exportBucket: string;
    exportUrlTtlSeconds: number;
    mediaBucket: string;
    userPrefix: string;
    thumbnailMaxSourceBytes: number;
  },
  cleanup: { retentionMs: HandlerSettings['retentionMs']; batchSize: number },
  imports: { childTypes: readonly string[]; maxChildren: number },
): HandlerSettings {
  return {
    storage: { mediaBucket: storage.mediaBucket, userPrefix: storage.userPrefix },
    importChildTypes: imports.childTypes,
    importMaxChildren: imports.maxChildren,
    thumbnailMaxSourceBytes: storage.thumbnailMaxSourceBytes,
    exportBucket: storage.exportBucket,
    exportUrlTtlSeconds: storage.exportUrlTtlSeconds,
    retentionMs: cleanup.retentionMs,
    cleanupBatchSize: cleanup.batchSize,
  };
}
