/**
 * The local Lambda endpoint of the `lambda` phase: tools/lambda-dev-server (what `npm start` and
 * `npm run lambda:dev` run) serving one function, bench-echo (echo-function.ts), with this
 * process's environment. Prints `lambda endpoint <url> <function>` once listening; SIGTERM
 * stops it.
 *
 * Started from source with ts-node, unlike the measured service processes: the dev server
 * bundles its runner and the function from their TypeScript files with esbuild, next to its own
 * source. Its CPU (function instances included) is reported as `lambda`.
 */
import * as path from 'node:path';
import { startLambdaDevServer } from '../../tools/lambda-dev-server/lambda-dev-server';

const ECHO_FUNCTION = 'bench-echo';

async function main(): Promise<void> {
  const server = await startLambdaDevServer({
    functions: [
      { name: ECHO_FUNCTION, entry: path.join(__dirname, 'echo-function.ts'), timeoutMs: 60_000 },
    ],
  });
  process.stdout.write(`lambda endpoint ${server.endpoint} ${ECHO_FUNCTION}\n`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
