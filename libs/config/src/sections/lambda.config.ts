import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { parseInteger } from '../env-validation';

/** Where a job type runs: inside the worker, or as an AWS Lambda function the worker invokes. */
export type JobRoute = { target: 'lambda'; functionName: string } | { target: 'inprocess' };

export type LambdaInvocationType = 'RequestResponse' | 'Event';

const JOB_TYPE = /^[a-z0-9][a-z0-9-]{0,49}$/;
/** Lambda function names: letters, digits, hyphens and underscores, at most 64 characters. */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class LambdaEnv {
  /**
   * Per job type, where it runs: `type:lambda:function-name` or `type:inprocess`, comma
   * separated. Types not listed run in the worker. Moving a type to Lambda is one entry here.
   */
  @IsString()
  JOB_ROUTES = '';

  /** Endpoint override for the Lambda API (the local Lambda endpoint in development); unset for AWS. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  LAMBDA_ENDPOINT?: string;

  /** AWS region of the functions. */
  @Matches(/^[a-z0-9-]+$/, { message: 'LAMBDA_REGION must look like us-east-1' })
  @IsString()
  LAMBDA_REGION = 'us-east-1';

  /**
   * RequestResponse: the worker waits on the Invoke call and gets the result and log tail.
   * Event: fire-and-forget; the function records its outcome in lambda_executions and the
   * worker polls for it.
   */
  @IsIn(['RequestResponse', 'Event'], {
    message: 'LAMBDA_INVOCATION_TYPE must be RequestResponse or Event',
  })
  LAMBDA_INVOCATION_TYPE: LambdaInvocationType = 'RequestResponse';

  /**
   * Largest invocation payload sent inline, in bytes (Lambda allows 6 MB for RequestResponse and
   * 256 KB for Event; the smaller one applies to Event). Larger payloads go by reference: the
   * function reads the payload from the jobs row.
   */
  @Transform(parseInteger)
  @Min(1)
  @Max(6_291_456)
  @IsInt()
  LAMBDA_PAYLOAD_LIMIT_BYTES = 6_291_456;

  /** The functions' configured timeout, in ms; the Lambda client waits this plus a margin. */
  @Transform(parseInteger)
  @Min(1000)
  @Max(900_000)
  @IsInt()
  LAMBDA_TIMEOUT_MS = 900_000;
}

export interface LambdaConfig {
  /** Job types not listed here run in the worker. */
  routes: Readonly<Record<string, JobRoute>>;
  /** Unset: the AWS endpoint of `region`. */
  endpoint?: string;
  region: string;
  invocationType: LambdaInvocationType;
  payloadLimitBytes: number;
  timeoutMs: number;
}

function entries(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Parses one JOB_ROUTES entry; a string is the problem with it. */
function parseRoute(entry: string): [string, JobRoute] | string {
  const [type, target, functionName, ...rest] = entry.split(':').map((part) => part.trim());
  if (!JOB_TYPE.test(type)) return `"${entry}": "${type}" is not a job type name`;
  if (target === 'inprocess' && functionName === undefined) return [type, { target: 'inprocess' }];
  if (target === 'lambda' && rest.length === 0 && FUNCTION_NAME.test(functionName ?? ''))
    return [type, { target: 'lambda', functionName }];
  if (target === 'lambda')
    return `"${entry}": the function name must be 1-64 letters, digits, hyphens or underscores`;
  return `"${entry}": the target must be lambda:<function-name> or inprocess`;
}

export function toLambdaConfig(env: LambdaEnv): LambdaConfig {
  const routes: Record<string, JobRoute> = {};
  for (const entry of entries(env.JOB_ROUTES)) {
    const parsed = parseRoute(entry);
    if (typeof parsed !== 'string') routes[parsed[0]] = parsed[1];
  }
  return {
    routes,
    endpoint: env.LAMBDA_ENDPOINT,
    region: env.LAMBDA_REGION,
    invocationType: env.LAMBDA_INVOCATION_TYPE,
    payloadLimitBytes: env.LAMBDA_PAYLOAD_LIMIT_BYTES,
    timeoutMs: env.LAMBDA_TIMEOUT_MS,
  };
}

/** Each malformed or repeated JOB_ROUTES entry, named. */
export function lambdaProblems(env: LambdaEnv): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries(env.JOB_ROUTES)) {
    const parsed = parseRoute(entry);
    if (typeof parsed === 'string') problems.push(`JOB_ROUTES entry ${parsed}`);
    else if (seen.has(parsed[0])) problems.push(`JOB_ROUTES routes "${parsed[0]}" twice`);
    else seen.add(parsed[0]);
  }
  return problems;
}
