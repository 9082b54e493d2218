// One peer measurement per process: node bench/peers/bench.mjs <system> <phase> [run]
//   systems: bullmq-redis bullmq-pg pgboss graphile graphile-tuned sqs sqs-pg sqs-batch
//   phases : enqueue_seq enqueue_bulk enqueue_conc process latency (bench/lib/phases.mjs)
// Adapters in ./systems come from the peers' harness (../shared/bench/peers) with their
// configurations unchanged. Prints one JSON line; bench/run.mjs runs these interleaved with ours.
import { runOne } from '../lib/phases.mjs';

const SYSTEMS = {
  'bullmq-redis': ['./systems/bullmq.mjs', 'redis'],
  'bullmq-pg': ['./systems/bullmq.mjs', 'pg'],
  pgboss: ['./systems/pgboss.mjs', undefined],
  graphile: ['./systems/graphile.mjs', 'default'],
  'graphile-tuned': ['./systems/graphile.mjs', 'tuned'],
  sqs: ['./systems/sqs.mjs', 'send'],
  'sqs-pg': ['./systems/sqs.mjs', 'pg'],
  'sqs-batch': ['./systems/sqs.mjs', 'batch'],
};

const [system, phase, run = '0'] = process.argv.slice(2);
if (!SYSTEMS[system]) throw new Error(`unknown system ${system}`);
const [file, variant] = SYSTEMS[system];
const adapter = await (await import(file)).default(variant);
process.exit(await runOne({ system, phase, run, adapter }));
