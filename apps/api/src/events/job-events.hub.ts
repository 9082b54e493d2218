import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppConfig } from '@app/config';
import {
  type Announced,
  type EventScope,
  type JobEventRecord,
  JobEventsRepository,
  type JobLogRecord,
} from '@app/jobs';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Client, type Notification } from 'pg';

/**
 * One thing that happened, with its transaction and the xmin its notification carried (see
 * StreamPosition).
 */
export type HubItem = { tx: string; xmin: string } & (
  { type: 'event'; event: JobEventRecord } | { type: 'log'; log: JobLogRecord }
);

export interface HubSubscriber {
  readonly scope: EventScope;
  /** Items of the subscriber's scope, in commit order. */
  deliver(item: HubItem): void;
  /** Items may have been missed (the hub lost PostgreSQL): end the stream; the client resumes. */
  interrupt(): void;
}

const CHANNEL = 'job_events';
/** Registration is renewed this often while streams are open. */
const RENEW_MS = 30_000;
/** The LISTEN connection is checked this often (a half-open one would deliver nothing). */
const CHECK_MS = 15_000;
/** Notifications read per query. */
const BATCH = 500;

interface Notified extends Announced {
  kind: 'e' | 'l';
  xmin: string;
}

/**
 * One per api instance: a LISTEN connection to PostgreSQL on `job_events`, fed by the triggers on
 * jobs and job_logs, fanned out to the instance's open streams. While streams are open it keeps
 * the instance registered in event_listeners (recording on), for the resume window plus a
 * margin after the last one closed. Notifications are read in order, one query per batch of
 * them, for the jobs and users someone here watches.
 */
@Injectable()
export class JobEventsHub implements OnApplicationShutdown {
  private readonly logger = new Logger('JobEvents');
  private readonly instanceId = `${hostname().slice(0, 60)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly subscribers = new Set<HubSubscriber>();
  private readonly ttlSeconds: number;
  private client: Client | null = null;
  private starting: Promise<void> | null = null;
  /** Recording is known on (registered, and transactions older than that ended) until then, ms. */
  private recordingUntil = 0;
  private pending: Notified[] = [];
  private draining = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly repository: JobEventsRepository,
    private readonly config: ConfigService<AppConfig, true>,
  ) {
    this.ttlSeconds = config.get('events', { infer: true }).resumeSeconds + 60;
  }

  get streams(): number {
    return this.subscribers.size;
  }

  /** Adds a subscriber once items are flowing: listening, and recording known to be on. */
  async subscribe(subscriber: HubSubscriber): Promise<() => void> {
    this.subscribers.add(subscriber);
    try {
      await this.ready();
    } catch (error) {
      this.subscribers.delete(subscriber);
      throw error;
    }
    return () => this.subscribers.delete(subscriber);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.renewTimer);
    clearInterval(this.checkTimer);
    for (const s of [...this.subscribers]) s.interrupt();
    this.subscribers.clear();
    void this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private ready(): Promise<void> {
    if (this.client && Date.now() < this.recordingUntil) return Promise.resolve();
    this.starting ??= this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  private async start(): Promise<void> {
    if (this.stopped) throw new Error('the api is shutting down');
    if (!this.client) await this.listen();
    if (Date.now() >= this.recordingUntil) await this.record();
    this.renewTimer ??= setInterval(() => void this.renew(), RENEW_MS).unref();
  }

  private async listen(): Promise<void> {
    const db = this.config.get('database', { infer: true });
    const t = db.timeouts;
    const client = new Client({
      connectionString: db.url,
      connectionTimeoutMillis: t.connectMs,
      query_timeout: t.queryMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: t.keepAliveInitialDelayMs,
      application_name: 'jobqueue-api events',
    });
    client.on('notification', (n) => this.onNotification(n));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    this.checkTimer ??= setInterval(() => void this.check(), CHECK_MS).unref();
  }

  /** Registers this instance; the first time (or after a lapse) waits out older transactions. */
  private async record(): Promise<void> {
    const started = Date.now();
    await this.repository.register(this.instanceId, this.ttlSeconds);
    await this.repository.awaitRunningTransactions(
      this.config.get('database', { infer: true }).timeouts.statementMs * 2,
    );
    this.recordingUntil = started + (this.ttlSeconds - 60) * 1000;
  }

  private async renew(): Promise<void> {
    if (this.subscribers.size === 0) return;
    const started = Date.now();
    try {
      await this.repository.register(this.instanceId, this.ttlSeconds);
      // still within the last registration: recording never stopped
      if (started < this.recordingUntil)
        this.recordingUntil = started + (this.ttlSeconds - 60) * 1000;
    } catch (error) {
      this.logger.warn(`could not renew the event registration: ${String(error)}`);
    }
  }

  private async check(): Promise<void> {
    const client = this.client;
    if (!client || this.subscribers.size === 0) return;
    try {
      await client.query('SELECT 1');
    } catch (error) {
      this.lost(client, error);
    }
  }

  private lost(client: Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    this.pending = [];
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(`event stream connection lost (${String(error)}); streams will resume`);
    this.interruptAll();
  }

  private interruptAll(): void {
    for (const s of [...this.subscribers]) s.interrupt();
    this.subscribers.clear();
  }

  private onNotification(n: Notification): void {
    if (n.channel !== CHANNEL || !n.payload || this.subscribers.size === 0) return;
    const p = JSON.parse(n.payload) as {
      k: 'e' | 'l';
      t: string;
      x: string;
      lo: string;
      hi: string;
    };
    this.pending.push({ kind: p.k, tx: p.t, xmin: p.x, lo: String(p.lo), hi: String(p.hi) });
    if (!this.draining) void this.drain();
  }

  /** Reads what the pending notifications announced and hands it out, in their order. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0 && this.subscribers.size > 0) {
        const batch = this.pending.splice(0, BATCH);
        await this.dispatch(batch);
      }
    } catch (error) {
      this.logger.warn(`could not read job events (${String(error)}); streams will resume`);
      this.pending = [];
      this.interruptAll();
    } finally {
      this.draining = false;
    }
  }

  private async dispatch(batch: Notified[]): Promise<void> {
    const watched = this.watched();
    const events = batch.filter((b) => b.kind === 'e');
    const logs = batch.filter((b) => b.kind === 'l');
    const [eventRows, logRows] = await Promise.all([
      this.repository.announcedEvents(events, watched.everyone ? null : watched),
      this.repository.announcedLogs(logs, watched.jobIds),
    ]);
    // back into notification order: each query returns its rows in the order of its batches
    const items: { at: number; item: HubItem }[] = [
      ...eventRows.map(({ n, ...event }) => ({
        at: batch.indexOf(events[n - 1]),
        item: { type: 'event' as const, event, tx: events[n - 1].tx, xmin: events[n - 1].xmin },
      })),
      ...logRows.map(({ n, ...log }) => ({
        at: batch.indexOf(logs[n - 1]),
        item: { type: 'log' as const, log, tx: logs[n - 1].tx, xmin: logs[n - 1].xmin },
      })),
    ];
    items.sort((a, b) => a.at - b.at); // stable: rows of one notification keep their id order
    for (const { item } of items)
      for (const s of this.subscribers) if (covers(s.scope, item)) s.deliver(item);
  }

  private watched(): { everyone: boolean; jobIds: string[]; userIds: string[] } {
    const jobIds = new Set<string>();
    const userIds = new Set<string>();
    let everyone = false;
    for (const { scope } of this.subscribers) {
      if ('jobId' in scope) jobIds.add(scope.jobId);
      else if (scope.userId === null) everyone = true;
      else userIds.add(scope.userId);
    }
    return { everyone, jobIds: [...jobIds], userIds: [...userIds] };
  }
}

function covers(scope: EventScope, item: HubItem): boolean {
  if ('jobId' in scope)
    return (item.type === 'event' ? item.event.jobId : item.log.jobId) === scope.jobId;
  return item.type === 'event' && (scope.userId === null || item.event.userId === scope.userId);
}
