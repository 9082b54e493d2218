import type { JobSort, ListJobsFilter } from './job.types';

const COLUMN: Record<JobSort, 'created_at' | 'completed_at'> = {
  '-createdAt': 'created_at',
  createdAt: 'created_at',
  '-finishedAt': 'completed_at',
  finishedAt: 'completed_at',
};

export interface ListJobsSql {
  /** The page's rows, with `sort_key` (the sort column as exact UTC text) for the next keyset. */
  rows: { sql: string; params: unknown[] };
  /** Rows matching the filters; null in keyset mode (a count is what makes deep pages slow). */
  count: { sql: string; params: unknown[] } | null;
}

/**
 * The statements of a job list. The filters are predicates an index serves: the user with
 * idx_jobs_user_created / idx_jobs_user_finished, the finish-time sort alone with
 * idx_jobs_finished, the payload with the GIN idx_jobs_payload, the parent with
 * idx_jobs_parent_id. Every user's jobs by creation time has no index of its own (a top-N
 * sort; see the migration for why). Keyset pages compare (sort column, id) as a row, which walks those
 * indexes from the cursor on instead of skipping OFFSET rows. `columns` is the select list.
 */
export function listJobsSql(columns: string, filter: ListJobsFilter): ListJobsSql {
  const sort = filter.sort ?? '-createdAt';
  const column = COLUMN[sort];
  const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  const where: string[] = [];
  if (filter.userId !== undefined) where.push(`user_id = ${p(filter.userId)}`);
  if (filter.status?.length) where.push(`status = ANY(${p(filter.status)})`);
  if (filter.jobType) where.push(`job_type = ${p(filter.jobType)}`);
  if (filter.parentId) where.push(`parent_id = ${p(filter.parentId)}`);
  // no index: a narrowing of the other predicates (priority jobs are few and short-lived)
  if (filter.priority !== undefined) where.push(`priority = ${p(filter.priority)}`);
  if (filter.createdFrom) where.push(`created_at >= ${p(filter.createdFrom)}`);
  if (filter.createdTo) where.push(`created_at < ${p(filter.createdTo)}`);
  if (filter.finishedFrom) where.push(`completed_at >= ${p(filter.finishedFrom)}`);
  if (filter.finishedTo) where.push(`completed_at < ${p(filter.finishedTo)}`);
  if (filter.payload) where.push(`payload @> ${p(JSON.stringify(filter.payload))}::jsonb`);
  // unfinished jobs have no finish time to sort on; the partial indexes hold only finished ones
  if (column === 'completed_at') where.push('completed_at IS NOT NULL');
  const filters = [...where];
  const countParams = [...params];
  if (filter.after) {
    const op = direction === 'DESC' ? '<' : '>';
    where.push(
      `(${column}, id) ${op} (${p(filter.after.key)}::timestamptz, ${p(filter.after.id)}::uuid)`,
    );
  }
  const clause = (w: string[]) => (w.length ? `WHERE ${w.join(' AND ')}` : '');
  const sortKey = `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key`;
  const page =
    filter.page === undefined ? '' : ` OFFSET ${p(((filter.page ?? 1) - 1) * filter.limit)}`;
  // one row more than asked says whether another page follows
  const sql = `SELECT ${columns}, ${sortKey} FROM jobs ${clause(where)}
     ORDER BY ${column} ${direction}, id ${direction} LIMIT ${p(filter.limit + 1)}${page}`;
  return {
    rows: { sql, params },
    count:
      filter.page === undefined
        ? null
        : {
            sql: `SELECT count(*)::int AS total FROM jobs ${clause(filters)}`,
            params: countParams,
          },
  };
}
