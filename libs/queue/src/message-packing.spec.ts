import type { UnsentMessage } from '@app/jobs';
import { startInMemoryTracing, type InMemoryTracing } from '@app/tracing';
import { packMessages } from './message-packing';
import { traceSends } from './message-tracing';

const QUEUE = 'http://127.0.0.1:1/000000000000/work';
const DLQ = 'http://127.0.0.1:1/000000000000/dlq';

const row = (n: number, over: Partial<UnsentMessage> = {}): UnsentMessage => ({
  id: String(n),
  jobId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  attempt: 1,
  queueUrl: QUEUE,
  delaySeconds: 0,
  reason: null,
  traceParent: null,
  ...over,
});

describe('packMessages', () => {
  it('packs rows of one queue and delay ten to a message, in order', () => {
    const packs = packMessages(
      Array.from({ length: 23 }, (_, i) => row(i)),
      QUEUE,
    );
    expect(packs.map((p) => p.message.jobs.length)).toEqual([10, 10, 3]);
    expect(packs.flatMap((p) => p.rows.map((r) => r.id))).toEqual(
      Array.from({ length: 23 }, (_, i) => String(i)),
    );
  });

  it('never mixes delays or queues in one message, and sends each dead letter alone', () => {
    const packs = packMessages(
      [
        row(1),
        row(2, { delaySeconds: 60 }),
        row(3, { queueUrl: null }),
        row(4, { queueUrl: DLQ, reason: 'boom' }),
        row(5, { queueUrl: DLQ, reason: 'bang' }),
      ],
      QUEUE,
    );
    const shape = packs.map((p) => [
      p.message.queueUrl,
      p.message.delaySeconds,
      p.rows.map((r) => r.id),
      p.message.reason,
    ]);
    expect(shape).toEqual(
      expect.arrayContaining([
        [DLQ, 0, ['4'], 'boom'],
        [DLQ, 0, ['5'], 'bang'],
        [QUEUE, 0, ['1', '3'], undefined],
        [QUEUE, 60, ['2'], undefined],
      ]),
    );
    expect(packs).toHaveLength(4);
  });

  it('sends one job per message when SQS_JOBS_PER_MESSAGE is 1 (upgrades, few-slot workers)', () => {
    const packs = packMessages([row(1), row(2), row(3)], QUEUE, 1);
    expect(packs.map((p) => p.message.jobs)).toEqual([
      [{ jobId: row(1).jobId, attempt: 1 }],
      [{ jobId: row(2).jobId, attempt: 1 }],
      [{ jobId: row(3).jobId, attempt: 1 }],
    ]);
  });
});

const A = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const B = '00-0af7651916cd43dd8448eb211c80319c-b9c7c989f97918e1-01';

describe('traceSends', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => (tracing = await startInMemoryTracing()));
  afterEach(() => tracing.reset());
  afterAll(() => tracing.stop());

  it('sends a message of jobs from two traces with a span child of the first and linked to the second', () => {
    const [pack] = packMessages(
      [row(1, { traceParent: A }), row(2, { traceParent: B }), row(3, { traceParent: A })],
      QUEUE,
    );
    traceSends([pack])(new Set());
    const [send] = tracing.spans();
    expect(send.name).toBe('send work');
    expect(send.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(send.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(send.links.map((l) => l.context.spanId)).toEqual(['b9c7c989f97918e1']);
    expect(send.attributes['messaging.batch.message_count']).toBe(3);
    expect(pack.message.traceParent).toBe(
      `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`,
    );
  });

  it('gives a message of untraced jobs no span and no traceparent', () => {
    const [pack] = packMessages([row(1, { traceParent: null })], QUEUE);
    traceSends([pack])(new Set());
    expect(tracing.spans()).toEqual([]);
    expect(pack.message.traceParent).toBeUndefined();
  });

  it('marks the span of a message SQS refused', () => {
    const [pack] = packMessages([row(1, { traceParent: A })], QUEUE);
    traceSends([pack])(new Set([pack]));
    expect(tracing.spans()[0].status).toMatchObject({ code: 2 });
  });
});

describe('traceSends with tracing off', () => {
  it('gives a message no traceparent', () => {
    const [pack] = packMessages([row(1, { traceParent: A })], QUEUE);
    traceSends([pack])(new Set());
    expect(pack.message.traceParent).toBeUndefined();
  });
});
