import { waitUntil } from '../support/wait-until';
import { CHAOS_TIMINGS, ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { assertHistoryInvariants } from './support/invariants';

const jobs = (n: number): JobSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    jobType: i % 5 === 0 ? 'chaos-limited' : 'chaos-sleep',
    payload: { ms: 100 + ((i * 37) % 400) },
  }));

const SQS_ENV = { SQS_CONNECT_TIMEOUT_MS: '1000', SQS_REQUEST_TIMEOUT_MS: '6000' } as const;
/** How long the emulator refuses connections. */
const REFUSED_MS = 10_000;
/**
 * How long it hangs: the SDK tries a call 3 times, each bounded by SQS_REQUEST_TIMEOUT_MS, so a
 * call against a frozen endpoint fails only after about 18 s (measured); a shorter freeze just
 * holds the calls until the thaw and never exercises the timeout.
 */
const FROZEN_MS = 3 * Number(SQS_ENV.SQS_REQUEST_TIMEOUT_MS) + 4000;
/** The consumer logs one line per doubling of its failures: a few lines per outage, not one per try. */
const MAX_RECEIVE_FAILURE_LINES = 50;

const receiveFailureLines = (log: string): number =>
  log.split('\n').filter((l) => l.includes('SQS receive failed')).length;

describe('chaos: SQS refuses connections, then hangs, during creates and while jobs run', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('sqs-outage', {
      ...SQS_ENV,
      WORKER_TYPE_CONCURRENCY: 'chaos-limited=2',
    });
  });
  afterAll(() => scenario?.close());

  /** Creates paced through `ms` of the fault `what`; every one must be accepted. */
  async function outage(
    what: string,
    ms: number,
    begin: () => Promise<void> | void,
    finish: () => Promise<void> | void,
  ): Promise<string[]> {
    const first = await scenario.submit(jobs(150));
    await waitUntil(
      async () => (await scenario.countJobs(first, `status = 'completed'`)) >= 20,
      60_000,
      'the first completions',
    );
    const before = scenario.creates.length;
    const end = scenario.beginFault(what);
    await begin();
    const during = scenario.submit(jobs(60), 2, 300);
    await new Promise((r) => setTimeout(r, ms));
    await finish();
    end();
    await during;
    const creates = scenario.creates.slice(before);
    // the job is in PostgreSQL and its outbox row sends it later: SQS being away refuses nothing
    expect(creates.filter((c) => c.status !== 202).map((c) => `${c.status}: ${c.body}`)).toEqual(
      [],
    );
    process.stdout.write(
      `sqs-outage: ${what}: ${creates.length} creates accepted, slowest answer ${Math.max(...creates.map((c) => c.ms))} ms\n`,
    );
    return first;
  }

  it('(a) emulator stopped, then restarted empty: creates are accepted, the outbox and the resend sweep make up for the lost messages, and the logs do not flood', async () => {
    await Promise.all([scenario.startWorker('w1'), scenario.startWorker('w2')]);
    await outage(
      'SQS refusing connections, then restarted empty',
      REFUSED_MS,
      () => scenario.sqs.stop(),
      () => scenario.sqs.start(),
    );
    const summary = await assertHistoryInvariants(scenario, {
      // a message lost by the restart is sent again once it is resendAfterMs old; receive loops
      // may be backing off for up to 8 s when SQS comes back
      deadlineMs: CHAOS_TIMINGS.resendAfterMs + 40_000,
    });
    expect(summary.dlq).toBe(0);
    for (const w of ['w1', 'w2']) {
      expect(receiveFailureLines(scenario.log(w))).toBeGreaterThan(0); // the outage was met
      expect(receiveFailureLines(scenario.log(w))).toBeLessThan(MAX_RECEIVE_FAILURE_LINES);
    }
    process.stdout.write(`sqs-outage (a): ${JSON.stringify(summary)}\n`);
  });

  it('(b) emulator frozen past the request timeout: creates are accepted, every job completes once, and the logs do not flood', async () => {
    const logged = (w: string): number => receiveFailureLines(scenario.log(w));
    const before = { w1: logged('w1'), w2: logged('w2') };
    await outage(
      'SQS frozen (SIGSTOP)',
      FROZEN_MS,
      () => scenario.sqs.freeze(),
      () => scenario.sqs.thaw(),
    );
    const summary = await assertHistoryInvariants(scenario, {
      deadlineMs: CHAOS_TIMINGS.resendAfterMs + 40_000,
    });
    expect(summary.dlq).toBe(0);
    const lines = { w1: logged('w1') - before.w1, w2: logged('w2') - before.w2 };
    // receives did time out (a loop busy with its batch, or slowed by a loaded machine, may not
    // have tried during the freeze: one worker feeling it is enough), and no worker flooded
    expect(lines.w1 + lines.w2).toBeGreaterThan(0);
    for (const w of ['w1', 'w2'] as const) expect(lines[w]).toBeLessThan(MAX_RECEIVE_FAILURE_LINES);
    process.stdout.write(
      `sqs-outage (b): receive-failure lines w1 ${logged('w1') - before.w1}, w2 ${logged('w2') - before.w2}; ${JSON.stringify(summary)}\n`,
    );
  });
});
