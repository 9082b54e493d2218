// The handlers library: job functions with no framework imports, run by the worker in-process
// or by AWS Lambda (apps/functions). Heavy native modules (sharp) are loaded on first use, so
// importing this index stays cheap for the api.
export * from './handler-context';
export { PermanentJobError, isPermanent } from './permanent-job-error';
export { PgSqlClient } from './sql/pg-sql-client';
