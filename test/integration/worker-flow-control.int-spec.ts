import { JobStatus } from '@app/database';
import { type HandlerDefinition, type JobContext } from '@app/handlers';
import { type Job } from '@app/jobs';
import { JobProcessor } from '@app/processor';
import { RecoverySweeper } from '@app/recovery';
import { type INestApplicationContext } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { DlqReader } from '../support/dlq-reader';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';

class SleepPayload {
  @IsOptional() @Min(0) @Max(10_000) @IsInt() ms?: number;
}

/** Start and end times of every handler run, by job id, for ordering assertions. */
const runs = new Map<string, { start: number; end?: number }>();

async function sleepFor(ctx: JobContext, ms: number | undefined, ignoreSignal = false) {
  runs.set(ctx.jobId, { start: Date.now() });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms ?? 0);
    if (!ignoreSignal)
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      });
  });
  runs.get(ctx.jobId)!.end = Date.now();
  return { ok: true };
}

const quick: HandlerDefinition<SleepPayload> = {
  type: 'quick',
  payload: SleepPayload,
  run: (p, ctx) => sleepFor(ctx, p.ms),
};

const oneAtATime: HandlerDefinition<SleepPayload> = {
  type: 'one-at-a-time',
  payload: SleepPayload,
  concurrency: 1,
  run: (p, ctx) => sleepFor(ctx, p.ms),
};

/** Times out after 300 ms and ignores its abort signal for payload.ms. */
const stubborn: HandlerDefinition<SleepPayload> = {
  type: 'stubborn',
  payload: SleepPayload,
  timeoutMs: 300,
  run: (p, ctx) => sleepFor(ctx, p.ms, true),
};

class PoisonPayload {
  @IsIn(['ok', 'nul', 'surrogate', 'bigint', 'circular', 'huge']) kind!: string;
}

/** Returns results PostgreSQL would refuse as they are. */
const poisonResult: HandlerDefinition<PoisonPayload> = {
  type: 'poison-result',
  payload: PoisonPayload,
  run(p) {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const results: Record<string, unknown> = {
      ok: { fine: true },
      nul: { text: 'before\u0000after' },
      surrogate: { text: 'half an emoji: \ud83d', ['key\ud800']: 1 },
      bigint: { total: 10n },
      circular,
      huge: { blob: 'x'.repeat(2_000_000) },
    };
    return Promise.resolve(results[p.kind]);
  },
};

const FLOW_TYPES = [quick, oneAtATime, stubborn, poisonResult];

describe('worker flow control, timeouts and poison values', () => {
  let fx: PipelineFixture;
  let dlq: DlqReader;
  beforeAll(async () => {
    // maxReceiveCount 1: a message received twice (handed back) would be dead-lettered at once
    fx = await createPipelineFixture({ types: FLOW_TYPES, maxReceiveCount: 1 });
    dlq = new DlqReader(fx.config.queue.endpoint!, fx.queues.dlqUrl);
  });
  afterAll(async () => {
    dlq.close();
    await fx.close();
  });
  let worker: INestApplicationContext | undefined;
  const startWorker = async (overrides: Parameters<PipelineFixture['startWorker']>[0]) =>
    (worker = await fx.startWorker(overrides));
  beforeEach(() => runs.clear());
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });

  const statuses = (ids: string[]) =>
    fx.db.dataSource.query<{ status: string; n: number }[]>(
      `SELECT status, count(*)::int AS n FROM jobs WHERE id = ANY($1) GROUP BY status`,
      [ids],
    );
  const waitAll = async (ids: string[], status: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await statuses(ids);
      if (counts.length === 1 && counts[0].status === status) return;
      if (Date.now() > deadline)
        throw new Error(`not all ${status} after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('a burst of 12× the free slots, two types and a per-type limit: all complete, no message received twice, none re-sent', async () => {
    await startWorker({ worker: { concurrency: 5, receivers: 2 } });
    const jobs = await fx.submit('burst', [
      ...Array.from({ length: 40 }, () => ({ jobType: 'one-at-a-time', payload: { ms: 20 } })),
      ...Array.from({ length: 20 }, () => ({ jobType: 'quick', payload: { ms: 50 } })),
    ]);
    const ids = jobs.map((j) => j.id);
    await waitAll(ids, JobStatus.Completed);
    const [{ attempts, messages }] = await fx.db.dataSource.query<
      { attempts: number; messages: number }[]
    >(
      `SELECT (SELECT max(attempt + retry_count + stall_count)::int FROM jobs WHERE id = ANY($1)) AS attempts,
              (SELECT count(*)::int FROM queue_messages WHERE job_id = ANY($1)) AS messages`,
      [ids],
    );
    expect({ attempts, messages }).toEqual({ attempts: 1, messages: ids.length });
    expect(await dlq.all()).toEqual([]);
    // never more handlers at once than WORKER_CONCURRENCY, and the limited type one at a time
    const all = ids.map((id) => runs.get(id)!);
    const busiest = Math.max(
      ...all.map((a) => all.filter((b) => b.start <= a.start && a.start < b.end!).length),
    );
    expect(busiest).toBeLessThanOrEqual(5);
    const limited = ids.slice(0, 40).map((id) => runs.get(id)!);
    const overlaps = limited.filter((a) =>
      limited.some((b) => a !== b && b.start < a.end! && a.start < b.end!),
    );
    expect(overlaps).toEqual([]);
  });

  it('a timed-out handler keeps its slot until it really returns; then its attempt fails', async () => {
    await startWorker({ worker: { concurrency: 1, receivers: 1 } });
    const [stubborn] = await fx.submit('alice', [
      { jobType: 'stubborn', payload: { ms: 1500 }, maxRetries: 0 },
    ]);
    await fx.waitFor(stubborn.id, () => runs.has(stubborn.id));
    const [quick] = await fx.submit('alice', [{ jobType: 'quick', payload: { ms: 0 } }]);
    const failed = await fx.waitFor(stubborn.id, (j) => j.status === JobStatus.Failed);
    expect(failed.errorMessage).toBe('timed out after 300 ms');
    await fx.waitFor(quick.id, (j) => j.status === JobStatus.Completed);
    // the one slot went to the next job only once the stubborn handler had returned
    expect(runs.get(quick.id)!.start).toBeGreaterThanOrEqual(runs.get(stubborn.id)!.end!);
  });

  it('a handler that ignores its signal past WORKER_ABORT_GRACE_MS is failed anyway and counted as a runaway while it runs', async () => {
    const processor = (
      await startWorker({ worker: { concurrency: 1, receivers: 1, abortGraceMs: 200 } })
    ).get(JobProcessor);
    const [stubborn] = await fx.submit('alice', [
      { jobType: 'stubborn', payload: { ms: 3000 }, maxRetries: 0 },
    ]);
    const failed = await fx.waitFor(stubborn.id, (j) => j.status === JobStatus.Failed);
    expect(failed.errorMessage).toBe('timed out after 300 ms');
    expect(runs.get(stubborn.id)!.end).toBeUndefined(); // still running
    expect(processor.runaways).toBe(1);
    await fx.waitFor(stubborn.id, () => runs.get(stubborn.id)!.end !== undefined, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(processor.runaways).toBe(0);
  });

  it('results PostgreSQL would refuse: text is made well-formed, the unstorable fail their own job only', async () => {
    await startWorker({});
    const kinds = ['ok', 'nul', 'surrogate', 'bigint', 'circular', 'huge'];
    const jobs = await fx.submit(
      'alice',
      kinds.map((kind) => ({ jobType: 'poison-result', payload: { kind }, maxRetries: 3 })),
    );
    const final = (j: Job) => j.status === JobStatus.Completed || j.status === JobStatus.Failed;
    const [ok, nul, surrogate, bigint, circular, huge] = await Promise.all(
      jobs.map((j) => fx.waitFor(j.id, final)),
    );
    expect(ok).toMatchObject({ status: 'completed', results: { fine: true } });
    expect(nul).toMatchObject({ status: 'completed', results: { text: 'before\ufffdafter' } });
    expect(surrogate).toMatchObject({
      status: 'completed',
      results: { text: 'half an emoji: \ufffd', 'key\ufffd': 1 },
    });
    // refused for good at once: retrying cannot make them storable
    expect(bigint).toMatchObject({ status: 'failed', retryCount: 0, nextRetryAt: null });
    expect(bigint.errorMessage).toBe('the result cannot be stored as JSON: BigInt at $.total');
    expect(circular.errorMessage).toBe(
      'the result cannot be stored as JSON: circular reference at $.self',
    );
    expect(huge.errorMessage).toMatch(/^the result is 2000\d+ bytes of JSON, over the limit/);
  });

  it('a job of a type this worker does not run is not claimed: no attempt spent, announced again later', async () => {
    await startWorker({});
    const [{ id }] = await fx.db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload) VALUES ('alice', 'from-a-newer-deploy', '{}') RETURNING id`,
    );
    await fx.queue.sendJob({ jobId: id, attempt: 1 });
    const deadline = Date.now() + 15_000;
    let rows: { delay_seconds: number }[] = [];
    while (rows.length === 0 && Date.now() < deadline) {
      rows = await fx.db.dataSource.query(
        `SELECT delay_seconds FROM queue_messages WHERE job_id = $1`,
        [id],
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toEqual([{ delay_seconds: 60 }]);
    expect(await fx.jobs.getById(id)).toMatchObject({
      status: 'pending',
      attempt: 0,
      retryCount: 0,
    });
  });

  it('a job cancelled while running whose worker then died ends cancelled, not pending', async () => {
    const sweeper = (await startWorker({ processor: { intervalMs: 100 } })).get(RecoverySweeper);
    const [{ id }] = await fx.db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload, status, attempt, started_at, heartbeat_at, held_by, cancel_requested_at)
       VALUES ('alice', 'quick', '{}', 'processing', 1, now() - interval '1 minute',
               now() - interval '1 minute', 'a-dead-worker', now() - interval '30 seconds') RETURNING id`,
    );
    await sweeper.sweep();
    const cancelled = await fx.waitFor(id, (j) => j.status === JobStatus.Cancelled);
    expect(cancelled.errorMessage).toBe('Cancelled: its worker stopped before the handler did');
    const [{ n }] = await fx.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM queue_messages WHERE job_id = $1`,
      [id],
    );
    expect(n).toBe(0);
  });
});
