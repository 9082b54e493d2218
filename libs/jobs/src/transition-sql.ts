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
 * A CTE `locked` that locks the listed jobs (ids in $1) that `name` may move, in id order. An
 * UPDATE … FROM unnest(…) locks rows in whatever order its plan visits them, so two batches over
 * overlapping jobs (a heartbeat and a completion, from two processes) could deadlock; taken in
 * one order, they queue instead. NO KEY UPDATE is what an UPDATE takes anyway: it leaves inserts
 * of logs, metrics and outbox rows (foreign keys to jobs) unblocked.
 */
export function lockFor(name: TransitionName): string {
  return `locked AS MATERIALIZED (
    SELECT id FROM jobs j WHERE j.id = ANY($1::uuid[]) AND ${fromStates(name)}
    ORDER BY id FOR NO KEY UPDATE)`;
}
