/**
 * The worker process the benchmarks start: the production worker app (createWorkerApp: the
 * WorkerModule with the built-in job types, pino logging, the /health server), configured from
 * the environment like apps/worker/src/main.ts. One extra line on stdout once it consumes:
 * `worker ready {"jobTypes":[…]}`, so a benchmark knows which job types this build has.
 */
import 'reflect-metadata';
import { exitOnStartupError, loadConfig } from '@app/config';
import { HandlerRegistry } from '@app/processor';
import { createWorkerApp } from '../../apps/worker/src/create-worker-app';
import { WORKER_CONFIG_SECTIONS } from '../../apps/worker/src/worker.module';

async function main(): Promise<void> {
  // The environment only: a developer's .env must not leak into a measurement.
  const config = loadConfig(process.env, WORKER_CONFIG_SECTIONS);
  const app = await createWorkerApp(config);
  await app.listen(config.http.workerHealthPort, config.http.host);
  const jobTypes = app.get(HandlerRegistry).types();
  process.stdout.write(`worker ready ${JSON.stringify({ jobTypes })}\n`);
}

main().catch(exitOnStartupError);
