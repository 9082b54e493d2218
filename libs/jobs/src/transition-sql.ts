import type { JobStatus } from '@app/database';
import { TRANSITIONS, type TransitionName } from './job-state-machine';

/**
 * SQL fragments generated from TRANSITIONS, so no statement spells a status by hand: the
 * allowed from-states of a transition, and its target states (checked when the module loads).
 */

const quote = (s: JobStatus): string => `'${s}'`;

/** `<alias>.status IN (<from-states of name>)`. */
export function fromStates(name: TransitionName, alias = 'j'): string {
  return `${alias}.status IN (${TRANSITIONS[name].from.map(quote).join(', ')})`;
}

/** The SQL literal of `status`, which must be one of the transition's targets. */
export function target(name: TransitionName, status: JobStatus): string {
  if (!(TRANSITIONS[name].to as readonly JobStatus[]).includes(status))
    throw new Error(`transition ${name} cannot lead to ${status}`);
  return quote(status);
}

/**
 * A CTE `locked` that locks the listed jobs (ids in $1) that `name` may move and that meet
 * `also` (more conditions on alias j), in id order, with `columns` of theirs. The statement then updates exactly these
 * rows by id: under the lock, nothing can move them, so it need not check their status again.
 *
 * - Id order: an UPDATE … FROM unnest(…) locks rows in whatever order its plan visits them, so
 *   two batches over overlapping jobs (a heartbeat and a completion, from two processes) could
 *   deadlock; taken in one order, they queue instead. NO KEY UPDATE is what an UPDATE takes
 *   anyway: it leaves inserts of logs, metrics and outbox rows (foreign keys to jobs) unblocked.
 * - The primary key only: the status and type conditions are wrapped in `IS TRUE`, which no
 *   index can serve, so the planner cannot reach these rows through idx_jobs_status_created or
 *   idx_jobs_type. Statistics that say a status is rare (a table analyzed while it was empty,
 *   or before a burst of pending jobs) would make that scan look cheap and cost a scan of every
 *   pending job per claim.
 */
export function lockFor(name: TransitionName, also = '', columns = 'id'): string {
  return `locked AS MATERIALIZED (
    SELECT ${columns} FROM jobs j WHERE j.id = ANY($1::uuid[]) AND (${fromStates(name)}${also ? ` AND ${also}` : ''}) IS TRUE
    ORDER BY id FOR NO KEY UPDATE)`;
}
