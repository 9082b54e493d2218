import { JobStatus } from '@app/database';
import type {
  EventScope,
  JobEventRecord,
  JobEventsRepository,
  JobLogRecord,
  StreamPosition,
} from '@app/jobs';
import type { Metrics } from '@app/metrics';
import { advance, encodeCursor } from './event-cursor';
import type { HubItem, HubSubscriber, JobEventsHub } from './job-events.hub';
import { snapshotIncludes } from './pg-snapshot';
import type { DropReason, SseWriter } from './sse-writer';

/** Events a resume replays at most; further behind, the client gets `reset` and a fresh start. */
const MAX_REPLAY = 10_000;
/** Items held while a stream starts; more, and it ends (the client resumes). */
const MAX_HELD = 10_000;

export interface FeedParts {
  hub: JobEventsHub;
  events: JobEventsRepository;
  metrics: Metrics;
  resumeSeconds: number;
}

/**
 * One client's event stream: what it missed (replayed from `Last-Event-ID`, or a snapshot of
 * the job when it starts afresh), then what happens, in commit order. Items arriving from the
 * hub while the start reads PostgreSQL are held and sent after it, without the ones it sent.
 * Every status, progress and log event carries the stream's position as its SSE id.
 */
export class EventFeed implements HubSubscriber {
  private held: HubItem[] | null = [];
  private position!: StreamPosition;
  /** What the start sent: held items it covered are not sent again. */
  private readonly sentEvents = new Set<string>();
  private readonly sentLogs = new Set<string>();
  private startSnapshot: string | null = null;
  private writes: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  constructor(
    readonly scope: EventScope,
    private readonly writer: SseWriter,
    private readonly parts: FeedParts,
  ) {}

  /** Starts after `after` (Last-Event-ID), or afresh. */
  async start(after: StreamPosition | null): Promise<void> {
    this.unsubscribe = await this.parts.hub.subscribe(this);
    this.parts.metrics.events.open.inc();
    const resumed =
      after !== null &&
      !(await this.parts.events.olderThan(after.at, this.parts.resumeSeconds)) &&
      (await this.replay(after));
    if (!resumed) {
      if (after) this.send('reset', { reason: 'Last-Event-ID is older than the resume window' });
      await this.snapshot();
    }
    const held = this.held ?? [];
    this.held = null;
    for (const item of held) if (!this.covered(item)) this.emit(item);
  }

  /** The stream ended (either side): no more deliveries. */
  ended(reason: DropReason | 'client-closed'): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.parts.metrics.events.ended.inc({ reason });
    this.parts.metrics.events.open.dec();
  }

  deliver(item: HubItem): void {
    if (this.held === null) return this.emit(item);
    this.held.push(item);
    if (this.held.length > MAX_HELD) this.interrupt();
  }

  interrupt(): void {
    this.writer.end('interrupted');
  }

  private async replay(after: StreamPosition): Promise<boolean> {
    const jobId = 'jobId' in this.scope ? this.scope.jobId : undefined;
    // read first: whatever commits later has a transaction id >= its xmin, and comes live
    const { position: now } = await this.parts.events.snapshot();
    const [events, logs] = await Promise.all([
      this.parts.events.eventsAfter(this.scope, after, MAX_REPLAY + 1),
      jobId ? this.parts.events.logsAfter(jobId, after, MAX_REPLAY + 1) : [],
    ]);
    if (events.length > MAX_REPLAY || logs.length > MAX_REPLAY) return false;
    this.position = { ...after, xmin: now.xmin };
    const items: HubItem[] = [
      ...events.map((event) => ({ type: 'event' as const, event, tx: event.tx, xmin: now.xmin })),
      ...logs.map((log) => ({ type: 'log' as const, log, tx: log.tx, xmin: now.xmin })),
    ].sort((a, b) => timeOf(a) - timeOf(b));
    for (const item of items) {
      if (item.type === 'event') this.sentEvents.add(item.event.id);
      else this.sentLogs.add(item.log.id);
      this.emit(item);
    }
    this.ready(now);
    return true;
  }

  /**
   * A fresh start: the job as it is now and its log so far (one job), or nothing (many), read
   * in one snapshot; held items whose transactions it includes are not sent again.
   */
  private async snapshot(): Promise<void> {
    const jobId = 'jobId' in this.scope ? this.scope.jobId : undefined;
    const { position, snapshot, job, logs } = await this.parts.events.snapshot(jobId);
    this.position = position;
    this.startSnapshot = snapshot;
    if (job) {
      this.send('status', {
        eventId: null,
        jobId: job.id,
        userId: job.userId,
        type: job.jobType,
        status: job.status,
        attempt: job.attempt,
        progress: job.progress,
        errorMessage: job.errorMessage,
        at: position.at,
        ...(job.status === JobStatus.Completed ? { result: job.results } : {}),
      });
      for (const line of logs) this.send('log', logData(line));
    }
    this.ready(position);
  }

  /** Tells the client where it stands, so that a reconnect before the next event resumes here. */
  private ready(now: StreamPosition): void {
    this.position = advance(this.position, now);
    this.send('ready', { at: now.at }, encodeCursor(this.position));
  }

  private covered(item: HubItem): boolean {
    if (this.startSnapshot !== null) return snapshotIncludes(this.startSnapshot, item.tx);
    return item.type === 'event'
      ? this.sentEvents.has(item.event.id)
      : this.sentLogs.has(item.log.id);
  }

  /** Writes in order; a completed job's stream fetches its result first. */
  private emit(item: HubItem): void {
    this.writes = this.writes.then(() => this.write(item)).catch(() => this.interrupt());
  }

  private async write(item: HubItem): Promise<void> {
    if (this.writer.isClosed) return;
    if (item.type === 'log') {
      this.position = advance(this.position, {
        logId: item.log.id,
        xmin: item.xmin,
        at: item.log.at,
      });
      return this.send('log', logData(item.log), encodeCursor(this.position));
    }
    const e = item.event;
    const result =
      'jobId' in this.scope && e.kind === 'status' && e.status === JobStatus.Completed
        ? { result: await this.parts.events.resultOf(e.jobId) }
        : {};
    this.position = advance(this.position, { eventId: e.id, xmin: item.xmin, at: e.at });
    this.send(e.kind, { ...eventData(e), ...result }, encodeCursor(this.position));
  }

  private send(event: string, data: unknown, id?: string): void {
    this.writer.send(event, data, id);
    this.parts.metrics.events.sent.inc({ event });
  }
}

const timeOf = (item: HubItem): number =>
  (item.type === 'event' ? item.event.at : item.log.at).getTime();

const eventData = (e: JobEventRecord) => ({
  eventId: e.id,
  jobId: e.jobId,
  userId: e.userId,
  type: e.jobType,
  status: e.status,
  attempt: e.attempt,
  progress: e.progress,
  errorMessage: e.errorMessage,
  at: e.at,
});

const logData = (l: JobLogRecord) => ({
  logId: l.id,
  jobId: l.jobId,
  level: l.level,
  message: l.message,
  source: l.source,
  attempt: l.attempt,
  at: l.at,
});
