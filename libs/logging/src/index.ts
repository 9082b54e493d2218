export { LoggingModule } from './logging.module';
export { outsideJobLogContext, withJobLogContext, type JobLogFields } from './job-log-context';
export { echoRequestId, REQUEST_ID_HEADER, requestId } from './request-id';
