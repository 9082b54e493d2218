/**
 * The Lambda function the `lambda` phase routes the echo job type to: the built-in echo handler
 * behind the functions app's runtime wrapper, exactly as apps/functions wraps the library types.
 * The functions app deploys no echo function; this one exists for the benchmark only.
 */
import { echo } from '@app/handlers';
import { createFunctionHandler } from '../../apps/functions/src/runtime/create-function-handler';

export const handler = createFunctionHandler(echo);
