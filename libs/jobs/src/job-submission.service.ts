import type { AppConfig } from '@app/config';
import { isDataError, JobStatus, queryRows } from '@app/database';
import { JobCatalogue } from '@app/handlers';
import { Metrics } from '@app/metrics';
import { activeTraceParent } from '@app/tracing';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { GroupCommit } from './group-commit';
import type { JobRow } from './job-row.mapper';
import { OutboxSignal } from './outbox-signal';
import {
  DependencyEndedError,
  DependencyNotFoundError,
  InvalidPayloadError,
  UnknownJobTypeError,
} from './job.errors';
import { type LaneQueues, laneQueues } from './sql/job-lane';
import { submitStatement, type SubmitRow } from './sql/submit-statement';
import { submittedByInput, type Submitted } from './submitted';

export interface JobRequest {
  jobType: string;
  payload: unknown;
  maxRetries?: number;
  idempotencyKey?: string | null;
  parentId?: string | null;
  /** Stored with a job created under `idempotencyKey`: what the api compares a replay with. */
  fingerprint?: string | null;
  /** Due time (ISO); or `delaySeconds` from the database's now. Neither: at once. */
  runAt?: string | null;
  delaySeconds?: number | null;
  /** No attempt starts after this (ISO): the job is cancelled instead. */
  expireAt?: string | null;
  /** Per-attempt limit instead of the type's (the caller checked it against the type's maximum). */
  timeoutSeconds?: number | null;
  /** Ids of existing jobs this one waits for: the submitter's own, unless `anyOwner`. */
  dependsOn?: readonly string[];
  /** Indexes (0-based) of other requests of the same submission this one waits for (a DAG). */
  dependsOnSiblings?: readonly number[];
  /** The field a refused dependency is reported under (default `dependsOn`). */
  dependsOnField?: string;
  /** 0 (default, ordinary) to 9 (most urgent). */
  priority?: number;
}

/** How a submission may name its dependencies. */
export interface SubmitOptions {
  /** `dependsOn` may name any user's jobs (an admin's request); else only the submitter's. */
  anyOwner?: boolean;
}

const hasDependencies = (r: JobRequest): boolean =>
  (r.dependsOn?.length ?? 0) + (r.dependsOnSiblings?.length ?? 0) > 0;

/** Jobs in one statement: 500 rows of a few hundred bytes; a larger batch is written alone. */
const GROUP_MAX_JOBS = 500;
/**
 * Statements in flight at once per process. One: every request arriving meanwhile joins the next
 * statement. With two, the second slot was mostly free and took requests one by one: under 50
 * concurrent POSTs it ran 1.8x the statements (12 jobs each instead of 21) for no more req/s.
 */
const GROUP_IN_FLIGHT = 1;
/**
 * How often a row is run again when a concurrent statement committed its key after this one
 * began (see submitStatement); the second run sees that job, unless it was deleted meanwhile.
 */
const MAX_RUNS = 4;

interface Submission {
  userId: string;
  requests: readonly JobRequest[];
  /** The submitter's span, taken when it calls: the group's statement runs in another's context. */
  traceParent: string | null;
}

/**
 * How a job enters the system (api, bulk import, schedule): validate against the job catalogue,
 * then write the jobs, their outbox messages and the idempotency check in ONE statement
 * (submitStatement), then nudge the relay. A job the caller was told about always has its
 * message; a refused statement writes and sends nothing.
 *
 * Concurrent submissions share statements (group commit, see GroupCommit): each submission is
 * all or none, one submission's refused value fails only that submission, and a key repeated
 * within a group behaves as sequential calls would (the later ones get the first one's job).
 */
@Injectable()
export class JobSubmissionService {
  private readonly defaultMaxRetries: number;
  private readonly queues: LaneQueues;
  private readonly group: GroupCommit<Submission, Submitted[]>;

  constructor(
    private readonly catalogue: JobCatalogue,
    private readonly outboxSignal: OutboxSignal,
    @InjectEntityManager() private readonly manager: EntityManager,
    config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
  ) {
    this.defaultMaxRetries = config.get('processor', { infer: true }).maxRetries;
    this.queues = laneQueues(config.get('queue', { infer: true }));
    this.group = new GroupCommit((s) => this.write(s), {
      maxSize: GROUP_MAX_JOBS,
      maxInFlight: GROUP_IN_FLIGHT,
      sizeOf: (s) => s.requests.length,
      isItemError: isDataError,
    });
  }

  /**
   * Validates every request first (nothing is written if one is bad), then submits them
   * (`submitValidated`).
   */
  async submit(
    userId: string,
    requests: readonly JobRequest[],
    options: SubmitOptions = {},
  ): Promise<Submitted[]> {
    const validated = requests.map((r) => ({
      ...r,
      payload: this.validate(userId, r.jobType, r.payload),
    }));
    return this.submitValidated(userId, validated, options);
  }

  /**
   * The payload of `userId`'s job as its type's class; throws UnknownJobTypeError or
   * InvalidPayloadError (every bad field, an S3 place outside the user's space included).
   */
  validate(userId: string, jobType: string, payload: unknown): object {
    const check = this.catalogue.check(jobType, payload, userId);
    if (check.ok) return check.value;
    throw check.reason === 'unknown-type'
      ? new UnknownJobTypeError(check)
      : new InvalidPayloadError(check);
  }

  /**
   * Writes requests the caller has validated (all or none), in input order, one result each: the
   * job created, or (`created: false`) the job the user's idempotency key made before.
   */
  submitValidated(
    userId: string,
    requests: readonly JobRequest[],
    options: SubmitOptions = {},
  ): Promise<Submitted[]> {
    if (requests.length === 0) return Promise.resolve([]);
    if (requests.some(hasDependencies))
      return this.writeWithDependencies(userId, requests, options);
    return this.group.push({ userId, requests, traceParent: activeTraceParent() });
  }

  /**
   * A submission with dependencies, in one transaction of its own (not group-committed):
   * 1. locks the existing dependencies FOR SHARE, in id order, and reads their status from the
   *    lock: a completion that committed meanwhile is seen (an unknown or another user's job:
   *    DependencyNotFoundError; one failed for good or cancelled: DependencyEndedError);
   * 2. writes the jobs, each counting the dependencies not completed yet (dependencies_left);
   *    a job with any waits, with no outbox row;
   * 3. writes the edges.
   * The share lock keeps a dependency from completing or ending between 1 and the commit, so
   * every edge is counted by exactly one side: here (completed) or by its completion. One case
   * is left to the sweeper's settle pass (JobsBatchService.settleWaiting): a completion whose
   * statement began before this commit but reached the dependency's row after the lock; it
   * waits for the lock but cannot see the new edge.
   */
  private async writeWithDependencies(
    userId: string,
    requests: readonly JobRequest[],
    options: SubmitOptions,
  ): Promise<Submitted[]> {
    const { Completed, Cancelled, Failed } = JobStatus;
    const traceParent = activeTraceParent();
    const submitted = await this.manager.transaction(async (manager) => {
      const ids = [...new Set(requests.flatMap((r) => r.dependsOn ?? []))];
      const found = new Map(
        (
          await queryRows<{ id: string; user_id: string; status: JobStatus; for_good: boolean }>(
            manager,
            `SELECT id, user_id, status, next_retry_at IS NULL AS for_good FROM jobs
             WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`,
            [ids],
          )
        ).map((r) => [r.id, r]),
      );
      const rows = requests.map((r): SubmitRow => {
        const field = r.dependsOnField ?? 'dependsOn';
        let left = r.dependsOnSiblings?.length ?? 0;
        for (const id of r.dependsOn ?? []) {
          const dep = found.get(id);
          if (!dep || (!options.anyOwner && dep.user_id !== userId))
            throw new DependencyNotFoundError(field, id);
          if (dep.status === Cancelled || (dep.status === Failed && dep.for_good))
            throw new DependencyEndedError(field, id, dep.status, dep.status === Failed);
          if (dep.status !== Completed) left++;
        }
        return { ...this.row({ userId, traceParent }, r), dependenciesLeft: left };
      });
      const done = await this.writeWithin(rows, manager);
      const edges = done.flatMap((s, i) =>
        s.created
          ? [
              ...(requests[i].dependsOn ?? []),
              ...(requests[i].dependsOnSiblings ?? []).map((k) => done[k].job.id),
            ].map((on) => [s.job.id, on] as const)
          : [],
      );
      await queryRows(
        manager,
        `INSERT INTO job_dependencies (job_id, depends_on_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
        [edges.map((e) => e[0]), edges.map((e) => e[1])],
      );
      return done;
    });
    this.announce(submitted);
    return submitted;
  }

  /**
   * Writes validated requests of any users inside the caller's transaction (`manager`), without
   * group commit: the schedule ticker's job joins the transaction that moves its schedule on.
   * Call `announce` with the result once that transaction committed.
   */
  async submitWithin(
    manager: EntityManager,
    items: readonly { userId: string; request: JobRequest }[],
  ): Promise<Submitted[]> {
    const traceParent = activeTraceParent();
    const rows = items.map(({ userId, request }) => this.row({ userId, traceParent }, request));
    return this.writeWithin(rows, manager);
  }

  /** Every row's job inside the caller's transaction: the statement, then its re-runs. */
  private async writeWithin(
    rows: readonly SubmitRow[],
    manager: EntityManager,
  ): Promise<Submitted[]> {
    const out = new Array<Submitted | undefined>(rows.length);
    await this.runOnce(
      rows,
      out,
      rows.map((_, i) => i),
      manager,
    );
    await this.rerun(rows, out, manager);
    return out as Submitted[];
  }

  /** After the commit of `submitWithin`'s transaction: counts the jobs and wakes the relay. */
  announce(submitted: readonly Submitted[]): void {
    for (const s of submitted)
      if (s.created) this.metrics.jobs.created.inc(this.metrics.jobType(s.job.jobType));
    this.outboxSignal.notify();
  }

  /**
   * One statement for the group, then re-runs for the rows it could not answer (a key another
   * statement committed meanwhile). Once the first statement committed, nothing is thrown: a
   * submission whose rows all have their job gets it even if a re-run fails, and only the
   * submissions still missing a row get that error. Throwing would fail (or, on a data error,
   * split and write again) submissions that are already committed.
   */
  private async write(submissions: Submission[]): Promise<(Submitted[] | Error)[]> {
    const rows = submissions.flatMap((s) => s.requests.map((r) => this.row(s, r)));
    const out = new Array<Submitted | undefined>(rows.length);
    await this.runOnce(
      rows,
      out,
      rows.map((_, i) => i),
    ); // throws: nothing was written
    let failure: Error | undefined;
    try {
      await this.rerun(rows, out);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    this.announce(out.filter((s) => s !== undefined));
    let at = 0;
    return submissions.map((s) => {
      const mine = out.slice(at, (at += s.requests.length));
      const answered = mine.filter((x) => x !== undefined);
      return answered.length === mine.length ? answered : (failure ?? new Error('not answered'));
    });
  }

  /** Runs the statement for `todo` (indexes into rows), filling `out`. */
  private async runOnce(
    rows: readonly SubmitRow[],
    out: (Submitted | undefined)[],
    todo: readonly number[],
    manager = this.manager,
  ): Promise<void> {
    const statement = submitStatement(
      todo.map((i) => rows[i]),
      this.queues,
    );
    const result = await queryRows<JobRow & { n: number; created: boolean }>(
      manager,
      statement.text,
      statement.params,
      { prepared: true },
    );
    submittedByInput(todo.length, result).forEach((s, k) => (out[todo[k]] = s));
  }

  /** Runs again the rows the statement left unanswered, up to MAX_RUNS in all. */
  private async rerun(
    rows: readonly SubmitRow[],
    out: (Submitted | undefined)[],
    manager = this.manager,
  ): Promise<void> {
    for (let runs = 1; ; runs++) {
      const todo = rows.map((_, i) => i).filter((i) => out[i] === undefined);
      if (todo.length === 0) return;
      if (runs === MAX_RUNS)
        throw new Error(`idempotency key of ${todo.length} jobs kept changing; try again`);
      await this.runOnce(rows, out, todo, manager);
    }
  }

  private row({ userId, traceParent }: Omit<Submission, 'requests'>, r: JobRequest): SubmitRow {
    return {
      userId,
      traceParent,
      jobType: r.jobType,
      payload: r.payload,
      maxRetries: r.maxRetries ?? this.defaultMaxRetries,
      idempotencyKey: r.idempotencyKey ?? null,
      parentId: r.parentId ?? null,
      fingerprint: r.fingerprint ?? null,
      runAt: r.runAt,
      delaySeconds: r.delaySeconds,
      expireAt: r.expireAt,
      timeoutSeconds: r.timeoutSeconds,
      priority: r.priority,
    };
  }
}
