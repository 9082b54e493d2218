import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { queryRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';

export interface WorkerPresenceSummary {
  /** Workers whose heartbeat is recent. */
  live: number;
  /** The most recent heartbeat of any worker, or null when none ever ran. */
  lastSeenAt: Date | null;
}

/** One worker process as its last heartbeat left it. */
export interface WorkerRow {
  workerId: string;
  startedAt: Date;
  lastSeenAt: Date;
  /** Jobs it held at that heartbeat. */
  inFlight: number;
  /** ms since that heartbeat, by the database clock. */
  ageMs: number;
}

/** Workers listed at most (a fleet larger than this shows its most recently seen). */
const MAX_LISTED = 500;

/**
 * Which workers are alive (table worker_heartbeats). A worker upserts its row with each
 * heartbeat and deletes it on a clean stop; the api's /health reads it.
 */
@Injectable()
export class WorkerPresence {
  /** hostname:pid:random, unique even for two workers in one process. */
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async beat(inFlight: number): Promise<void> {
    await queryRows(
      this.manager,
      `INSERT INTO worker_heartbeats (worker_id, in_flight) VALUES ($1, $2)
       ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = now(), in_flight = EXCLUDED.in_flight`,
      [this.workerId, inFlight],
    );
  }

  async leave(): Promise<void> {
    await queryRows(this.manager, `DELETE FROM worker_heartbeats WHERE worker_id = $1`, [
      this.workerId,
    ]);
  }

  async summary(withinMs: number): Promise<WorkerPresenceSummary> {
    const [row] = await queryRows<{ live: number; last_seen_at: Date | null }>(
      this.manager,
      `SELECT count(*) FILTER (WHERE last_seen_at > now() - make_interval(secs => $1::int / 1000.0))::int AS live,
              max(last_seen_at) AS last_seen_at
       FROM worker_heartbeats`,
      [withinMs],
    );
    return { live: row.live, lastSeenAt: row.last_seen_at };
  }

  /** Every worker row, most recently seen first (a killed worker's row stays, ageing). */
  async list(): Promise<WorkerRow[]> {
    return queryRows<WorkerRow>(
      this.manager,
      `SELECT worker_id AS "workerId", started_at AS "startedAt", last_seen_at AS "lastSeenAt",
              in_flight AS "inFlight",
              (extract(epoch FROM now() - last_seen_at) * 1000)::float8 AS "ageMs"
       FROM worker_heartbeats ORDER BY last_seen_at DESC, worker_id LIMIT ${MAX_LISTED}`,
    );
  }
}
