import { bulkImport, cleanupJobs, exportJobs, thumbnailGeneration } from '@app/handlers';
import { createFunctionHandler } from '../runtime/create-function-handler';

/**
 * Lambda `process-bulk-imports`: the bulk-import job type. Its children may be any of the
 * handlers library's job types (validated here, written with outbox rows the worker relays).
 */
export const handler = createFunctionHandler(bulkImport, {
  childTypes: [thumbnailGeneration, exportJobs, bulkImport, cleanupJobs],
});
