// Live job events under load (issue 13; npm run bench:events): BENCH_STREAMS (1,000) open event
// streams on the real api while a worker processes jobs at a steady rate; prints the api's CPU
// and RSS per stream, its CPU per event delivered, the status events' delay (p50/p95/p99/max),
// events expected vs received, and PostgreSQL CPU per job with streams open vs none.
// bench/jobqueue/events.ts holds the measurement and its knobs (BENCH_STREAMS,
// BENCH_EVENTS_USERS, BENCH_EVENTS_ADMINS, BENCH_EVENTS_RATE, BENCH_EVENTS_SECONDS,
// BENCH_EVENTS_IDLE_SECONDS, BENCH_EVENTS_WARM_SECONDS, QUIET_MAX_WAIT_S).
//
// Steps (bench/lib/standalone.mjs): compile into .tmp/bench-events-build, start the fauxqs
// emulator on loopback, run the compiled events.js in the database jq_bench_events (created and
// dropped; its backends are the PostgreSQL CPU counted). Exit code 1 when a status event is
// missing, or extra other than a one-job stream's snapshot status sent again live.
import { exitWith, runStandalone } from './lib/standalone.mjs';

exitWith(runStandalone('events', { JQ_BENCH_DB: 'jq_bench_events' }));
