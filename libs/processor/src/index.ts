export { ProcessorModule } from './processor.module';
export { JobTypesModule } from './job-types.module';
export { JobProcessor } from './job-processor';
export { HandlerRegistry, type RegisteredHandler } from './handler-registry';
export { JobSubmissionService, type JobRequest } from './job-submission.service';
export { JobHandler } from './job-handler.decorator';
export type { AbortReason, JobContext, JobHandlerInstance, JobHandlerOptions } from './job-handler';
export { InvalidPayloadError, UnknownJobTypeError } from './processor.errors';
export { validatePayload, type FieldProblem, type PayloadCheck } from './payload-validation';
export { PermanentJobError } from '@app/recovery';
export { BuiltinHandlersModule } from './builtin/builtin-handlers.module';
export { EchoHandler, EchoPayload, type EchoResult } from './builtin/echo.handler';
export { WorkerPresence, type WorkerPresenceSummary } from './worker-presence.service';
export { JobSinkAdapter } from './handler-bridge/job-sink.adapter';
export {
  HandlerBridgeModule,
  type AnyHandlerDefinition,
} from './handler-bridge/handler-bridge.module';
export { EntityManagerSqlClient } from './handler-bridge/entity-manager-sql-client';
export { JOB_DEFINITIONS } from './handler-bridge/job-definitions';
