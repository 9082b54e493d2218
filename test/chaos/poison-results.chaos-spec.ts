import { type PoisonResultKind } from './support/chaos-handlers';
import { ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { assertHistoryInvariants } from './support/invariants';

/** Results PostgreSQL refuses as they are, but which are clean after U+FFFD replaces the bad text. */
const CLEANED: PoisonResultKind[] = ['nul', 'surrogate'];
/** Results that cannot be stored at all, and the error each job must end with. */
const UNSTORABLE: Record<string, RegExp> = {
  bigint: /cannot be stored as JSON: BigInt at \$\.value/,
  circular: /cannot be stored as JSON: circular reference at \$\.self/,
  huge: /over the limit of 1048576 \(WORKER_MAX_RESULT_BYTES\)/,
};
const EACH = 3;

/** 100 healthy jobs with 3 of each poison kind spread among them, so they share batches. */
function load(): JobSpec[] {
  const poison = [...CLEANED, ...(Object.keys(UNSTORABLE) as PoisonResultKind[])].flatMap((k) =>
    Array.from({ length: EACH }, () => k),
  );
  const specs: JobSpec[] = Array.from({ length: 100 }, () => ({
    jobType: 'chaos-poison-result',
    payload: { kind: 'healthy', ms: 50 },
  }));
  poison.forEach((kind, i) =>
    specs.splice(i * 7 + 3, 0, { jobType: 'chaos-poison-result', payload: { kind, ms: 50 } }),
  );
  return specs;
}

interface Row {
  id: string;
  kind: string;
  status: string;
  retry_count: number;
  value: string | null;
  error_message: string | null;
}

describe('chaos: handlers return results PostgreSQL cannot store as they are', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('poison-results');
  });
  afterAll(() => scenario?.close());

  it('healthy and cleanable results complete, unstorable ones fail for good with a clear error and a DLQ copy, and nothing else reaches the DLQ', async () => {
    const specs = load();
    const ids = await scenario.submit(specs);
    expect(ids).toHaveLength(specs.length);
    // queued before the worker starts, so each receive batch mixes poison with healthy jobs
    await scenario.startWorker('w1');

    const unstorable = await scenario.pg.query<{ id: string }>(
      `SELECT id FROM jobs WHERE payload->>'kind' = ANY($1)`,
      [Object.keys(UNSTORABLE)],
    );
    const dead = new Set(unstorable.map((r) => r.id));
    expect(dead.size).toBe(EACH * Object.keys(UNSTORABLE).length);
    // an unstorable result is that job's own failure, for good: the one state it may end in
    const summary = await assertHistoryInvariants(scenario, {
      deadlineMs: 60_000,
      expectedStatus: (job) => (dead.has(job.id) ? ['failed'] : ['completed']),
    });
    const rows = await scenario.pg.query<Row>(
      `SELECT id, payload->>'kind' AS kind, status, retry_count, results->>'value' AS value, error_message
       FROM jobs`,
    );
    for (const r of rows) {
      if (r.kind in UNSTORABLE) {
        expect(r).toMatchObject({ status: 'failed', retry_count: 0 });
        expect(r.error_message).toMatch(UNSTORABLE[r.kind]);
      } else {
        expect(r).toMatchObject({ status: 'completed', retry_count: 0 });
        expect(r.value).toBe(
          { healthy: 'fine', nul: 'before\uFFFDafter', surrogate: 'before\uFFFDafter' }[r.kind],
        );
      }
    }
    // one DLQ copy per unstorable job, and nothing else
    const dlq = await scenario.sqs.dlqContents();
    expect(dlq.map((m) => m.jobId).sort()).toEqual([...dead].sort());
    process.stdout.write(`poison-results: ${JSON.stringify(summary)}\n`);
  });
});
