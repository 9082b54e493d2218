/**
 * One measurement of our system per process, like bench/peers/bench.mjs for a peer:
 *
 *   bench.js setup                  re-create and migrate the template database <JQ_BENCH_DB>_template
 *   bench.js teardown               drop the databases our measurements create
 *   bench.js <phase> [run] [system] phases: enqueue_seq enqueue_bulk enqueue_conc process latency
 *                                   (bench/lib/phases.mjs, shared with the peers), http_post
 *                                   http_batch (http-phases.ts), lambda (lambda-phase.ts)
 *
 * Runs compiled (bench/run.mjs builds it into .tmp/bench-build and sets the environment).
 * Prints one JSON line with system "jobqueue" (or, for the HTTP phases, "jobqueue-http", or
 * "http-floor" when that system is named: the bare server of http-floor-main.ts).
 */
import 'reflect-metadata';
import {
  benchModule,
  dropDatabase,
  LAMBDA_DB,
  OUR_DATABASES,
  runMain,
  services,
  setupTemplate,
} from './bench-env';
import { httpPhases, isHttpSystem, type Measuring } from './http-phases';
import { jobqueueSystem } from './jobqueue-system';
import { lambdaPhases, type LambdaMeasuring } from './lambda-phase';

interface PhasesModule {
  stats: LambdaMeasuring['stats'];
  runOne(args: {
    system: string;
    phase: string;
    run: string;
    adapter: unknown;
    extra?: Record<string, unknown>;
  }): Promise<number>;
}

async function main(): Promise<number> {
  const [phase, run = '0', named] = process.argv.slice(2);
  const svc = services();
  if (phase === 'setup') {
    await setupTemplate(svc.adminUrl);
    return 0;
  }
  if (phase === 'teardown') {
    for (const db of OUR_DATABASES) await dropDatabase(svc.adminUrl, db);
    return 0;
  }
  const common = await benchModule<Measuring & Pick<LambdaMeasuring, 'LAT_SECONDS'>>('common.mjs');
  const { runOne, stats } = await benchModule<PhasesModule>('phases.mjs');
  const procStat =
    await benchModule<Pick<LambdaMeasuring, 'childPids' | 'readTitle'>>('proc-stat.mjs');
  if (phase.startsWith('http_')) {
    const adapter = jobqueueSystem(svc, common, { producer: false });
    const system = isHttpSystem(named) ? named : 'jobqueue-http';
    return runOne({ system, phase, run, adapter, extra: httpPhases(common, system) });
  }
  const extra = lambdaPhases({ ...common, stats, ...procStat }, () =>
    jobqueueSystem(svc, common, { producer: true, database: LAMBDA_DB }),
  );
  return runOne({ system: 'jobqueue', phase, run, adapter: jobqueueSystem(svc, common), extra });
}

runMain(main);
