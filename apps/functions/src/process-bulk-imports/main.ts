import { bulkImport, JOB_CATALOGUE } from '@app/handlers';
import { createFunctionHandler } from '../runtime/create-function-handler';

/**
 * Lambda `process-bulk-imports`: the bulk-import job type. Its children may be of any type of
 * JOB_CATALOGUE (validated here, written with outbox rows the worker relays).
 */
export const handler = createFunctionHandler(bulkImport, { childTypes: JOB_CATALOGUE });
