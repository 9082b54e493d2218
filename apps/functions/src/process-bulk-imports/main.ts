import { bulkImport, JOB_CATALOGUE } from '@app/handlers';
import { createFunctionHandler } from '../runtime/create-function-handler';

/**
 * Lambda `process-bulk-imports`: the bulk-import job type. Its children may be of the types of
 * BULK_IMPORT_CHILD_TYPES (validated here against JOB_CATALOGUE and the owner's storage space,
 * written with outbox rows the worker relays).
 */
export const handler = createFunctionHandler(bulkImport, { childTypes: JOB_CATALOGUE });
