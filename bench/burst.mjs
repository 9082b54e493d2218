// The burst check of the reliability issue as a repeatable benchmark (npm run bench:burst):
// 2,000 jobs posted at once through the api to ONE worker with WORKER_CONCURRENCY=10 must all
// complete with nothing in the DLQ and nothing re-sent, and the drain is compared with 2,000 ÷ the
// throughput that worker shows in the same run. bench/jobqueue/burst.ts holds the measurement.
//
// Steps (bench/lib/standalone.mjs): compile the service and bench/jobqueue with tsc into
// .tmp/bench-burst-build, start the fauxqs emulator on loopback, run the compiled burst.js (it
// creates and drops the database jq_bench_burst).
// Exit code: burst.js's (1 when a check fails). Knobs: see burst.ts (BURST_N, BURST_DELAY_MS,
// BURST_IN_FLIGHT, BURST_USERS, BURST_WORKER_CONCURRENCY, BURST_SAMPLE_MS, BURST_STALL_MS) and
// JQ_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres).
import { exitWith, runStandalone } from './lib/standalone.mjs';

exitWith(runStandalone('burst'));
