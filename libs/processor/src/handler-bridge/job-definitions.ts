import { bulkImport, cleanupJobs, exportJobs, thumbnailGeneration } from '@app/handlers';
import type { AnyHandlerDefinition } from './handler-bridge.module';

/** The service's job types from the handlers library, for HandlerBridgeModule in both apps. */
export const JOB_DEFINITIONS: readonly AnyHandlerDefinition[] = [
  thumbnailGeneration,
  exportJobs,
  bulkImport,
  cleanupJobs,
];
