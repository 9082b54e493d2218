export { LoggingModule } from './logging.module';
export { outsideJobLogContext, withJobLogContext, type JobLogFields } from './job-log-context';
export { REQUEST_ID_HEADER } from './request-id';
