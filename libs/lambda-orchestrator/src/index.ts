// The Lambda orchestrator: invokes job functions (AWS Lambda, the local Lambda endpoint, or
// in-process), records each execution, and maps outcomes to retryable or permanent job errors.
export { LambdaOrchestratorModule } from './lambda-orchestrator.module';
export {
  LambdaOrchestrator,
  type LambdaExecution,
  type LambdaInvocation,
  type LambdaJob,
  type WaitOptions,
} from './lambda-orchestrator.service';
export {
  FunctionInvoker,
  type FunctionHandler,
  type FunctionRuntimeContext,
  type InvocationFailure,
  type InvocationOutcome,
  type InvocationRequest,
} from './function-invoker';
export { AwsLambdaInvoker, type AwsLambdaInvokerOptions } from './aws-lambda.invoker';
export { InProcessInvoker } from './in-process.invoker';
export { type FunctionEvent, LAMBDA_PAYLOAD_LIMITS, LOG_TAIL_BYTES } from './function-event';
export { functionFailure, serviceFailure, toJobError } from './invocation-errors';
export { lastBytes, parseLogTail, type TailLine } from './log-tail';
