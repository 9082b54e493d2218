/**
 * `npm run lambda:dev`: the local Lambda endpoint serving the functions app, for development
 * (not a production component). Point the worker at it with LAMBDA_ENDPOINT=http://127.0.0.1:9001
 * and route job types to it with JOB_ROUTES, e.g. `export:lambda:process-exports`.
 *
 * The functions get this process's environment (and .env): DATABASE_URL, S3_*, CLEANUP_*, and
 * for process-bulk-imports SQS_QUEUE_URL/SQS_DLQ_URL. LAMBDA_DEV_PORT (default 9001) sets the
 * port and LAMBDA_TIMEOUT_MS (default 900000) the functions' timeout.
 */
import { readEnv } from '@app/config';
import { FUNCTIONS } from '../../apps/functions/functions';
import { startLambdaDevServer } from './lambda-dev-server';

async function main(): Promise<void> {
  const env = readEnv();
  const functionEnv = Object.fromEntries(
    Object.entries(env).filter((pair): pair is [string, string] => pair[1] !== undefined),
  );
  const server = await startLambdaDevServer({
    port: Number(env.LAMBDA_DEV_PORT ?? 9001),
    functions: FUNCTIONS.map((fn) => ({
      ...fn,
      timeoutMs: Number(env.LAMBDA_TIMEOUT_MS ?? 900_000),
      env: functionEnv,
    })),
    onEventOutput: (name, output) => process.stdout.write(`[${name}] ${output}`),
  });
  console.log(
    `local Lambda endpoint at ${server.endpoint}: ${FUNCTIONS.map((f) => f.name).join(', ')}`,
  );
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
