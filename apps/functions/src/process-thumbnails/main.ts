import { thumbnailGeneration } from '@app/handlers';
import { createFunctionHandler } from '../runtime/create-function-handler';

/** Lambda `process-thumbnails`: the thumbnail-generation job type. */
export const handler = createFunctionHandler(thumbnailGeneration);
