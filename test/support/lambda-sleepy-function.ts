// The `sleepy` test job type as a Lambda entry point, served by the local Lambda endpoint in tests.
import { createFunctionHandler } from '../../apps/functions/src/runtime/create-function-handler';
import { sleepy } from './lambda-test-handlers';

export const handler = createFunctionHandler(sleepy);
