import * as path from 'node:path';
import {
  type DevFunction,
  type LambdaDevServer,
  startLambdaDevServer,
} from '../../tools/lambda-dev-server/lambda-dev-server';
import { requireTestEnv } from './test-env';

/** The `sleepy` test function's entry point, as the local Lambda endpoint serves it. */
export const SLEEPY_ENTRY = path.join(__dirname, 'lambda-sleepy-function.ts');

/** The environment a deployed function gets, pointed at this test run's database and S3. */
export function functionEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: requireTestEnv('sqsEndpoint'),
    S3_FORCE_PATH_STYLE: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** The local Lambda endpoint serving `sleepy` (and any `extra` functions) against `databaseUrl`. */
export function startSleepyEndpoint(
  databaseUrl: string,
  options: { timeoutMs?: number; extra?: DevFunction[]; env?: Record<string, string> } = {},
): Promise<LambdaDevServer> {
  return startLambdaDevServer({
    functions: [
      {
        name: 'sleepy',
        entry: SLEEPY_ENTRY,
        timeoutMs: options.timeoutMs ?? 3000,
        env: { ...functionEnv(databaseUrl), ...options.env },
      },
      ...(options.extra ?? []),
    ],
  });
}

/** Whether a process with this id still exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
