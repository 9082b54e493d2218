import { cleanupJobs } from '@app/handlers';
import { createFunctionHandler } from '../runtime/create-function-handler';

/** Lambda `cleanup-jobs`: the cleanup-jobs job type. */
export const handler = createFunctionHandler(cleanupJobs);
