/**
 * The statements of libs/jobs that run outside Nest: a Lambda function's bundle imports
 * `@app/jobs/sql` (this file), which pulls in no Nest, TypeORM or SQS code.
 */
export { progressStatement } from './progress-statement';
export { SqlJobSink, type SqlJobSinkOptions } from './sql-job-sink';
export { submitStatement, type SubmitRow } from './submit-statement';
export { laneQueues, laneQueueSql, MAX_PRIORITY, MIN_PRIORITY, type LaneQueues } from './job-lane';
