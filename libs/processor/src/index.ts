export { ProcessorModule } from './processor.module';
export { JobProcessor } from './job-processor';
export { HandlerRegistry, type RegisteredHandler } from './handler-registry';
export { JobSinkAdapter } from './handler-services/job-sink.adapter';
