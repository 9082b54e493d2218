export { traceHttpRequests } from './http-server-span.hook';
export { type InMemoryTracing, startInMemoryTracing } from './in-memory-tracing';
export { runInSpan } from './run-in-span';
export { flushTracing, startTracing, stopTracing } from './start-tracing';
export {
  activeTraceParent,
  contextWithParent,
  jobTracer,
  spanContextOf,
  TRACEPARENT,
  tracingOn,
} from './trace-parent';
export { TracingModule } from './tracing.module';
