import { exportJobs } from '@app/handlers';
import { createFunctionHandler } from '../runtime/create-function-handler';

/** Lambda `process-exports`: the export job type. */
export const handler = createFunctionHandler(exportJobs);
