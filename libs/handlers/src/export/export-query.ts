/** One job as an export writes it: the columns of `jobs`, times as ISO text, JSON as JSON text. */
export interface ExportRow {
  id: string;
  job_type: string;
  status: string;
  /** ISO 8601 UTC with microseconds: exact, so it can serve as the keyset cursor. */
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  retry_count: number;
  progress: number;
  error_message: string | null;
  /** JSON text. */
  payload: string;
  /** JSON text, or null when the job has no results. */
  results: string | null;
}

/** Column order of a CSV export (its header line) and key order of a JSON Lines export. */
export const EXPORT_COLUMNS: readonly (keyof ExportRow)[] = [
  'id',
  'job_type',
  'status',
  'created_at',
  'started_at',
  'completed_at',
  'retry_count',
  'progress',
  'error_message',
  'payload',
  'results',
];

/** Which jobs an export holds. */
export interface ExportFilter {
  userId: string;
  /** Empty: every status. */
  statuses: readonly string[];
  jobType?: string;
  /** Inclusive, ISO. */
  createdFrom?: string;
  /** Exclusive, ISO. */
  createdTo?: string;
}

export interface Query {
  text: string;
  params: unknown[];
}

export interface Cursor {
  createdAt: string;
  id: string;
}

const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const SELECT = `SELECT id::text AS id, job_type, status,
  ${iso('created_at')} AS created_at, ${iso('started_at')} AS started_at,
  ${iso('completed_at')} AS completed_at, retry_count, progress, error_message,
  payload::text AS payload, results::text AS results
FROM jobs`;

/** The filter's conditions, its values appended to `params`; `asOf` is an SQL expression. */
function where(filter: ExportFilter, asOf: string, params: unknown[]): string {
  const add = (value: unknown) => `$${params.push(value)}`;
  const conditions = [`user_id = ${add(filter.userId)}`, `created_at <= ${asOf}`];
  if (filter.statuses.length > 0) conditions.push(`status = ANY(${add(filter.statuses)}::text[])`);
  if (filter.jobType !== undefined) conditions.push(`job_type = ${add(filter.jobType)}`);
  if (filter.createdFrom !== undefined) {
    conditions.push(`created_at >= ${add(filter.createdFrom)}::timestamptz`);
  }
  if (filter.createdTo !== undefined) {
    conditions.push(`created_at < ${add(filter.createdTo)}::timestamptz`);
  }
  return conditions.join(' AND ');
}

/**
 * The matching rows' count and the instant the export is taken "as of" (the database's clock):
 * later pages stop there, so jobs created while the export runs cannot keep it going.
 */
export function countQuery(filter: ExportFilter): Query {
  const params: unknown[] = [];
  // now() is the statement's start: rows it counts are exactly those created up to as_of
  const text = `SELECT count(*)::int AS total, ${iso('now()')} AS as_of FROM jobs WHERE ${where(
    filter,
    'now()',
    params,
  )}`;
  return { text, params };
}

/**
 * One page in (created_at, id) order after `after`: keyset pagination over the index
 * (user_id, created_at, id), so every page costs the same however deep the export is.
 */
export function pageQuery(
  filter: ExportFilter,
  asOf: string,
  after: Cursor | null,
  limit: number,
): Query {
  const params: unknown[] = [asOf];
  let condition = where(filter, '$1::timestamptz', params);
  if (after) {
    const at = `$${params.push(after.createdAt)}`;
    const id = `$${params.push(after.id)}`;
    condition += ` AND (created_at, id) > (${at}::timestamptz, ${id}::uuid)`;
  }
  const text = `${SELECT} WHERE ${condition} ORDER BY jobs.created_at, jobs.id LIMIT $${params.push(limit)}`;
  return { text, params };
}

/** A row as one JSON Lines record; payload and results are spliced in as the JSON they are. */
export function toJsonLine(row: ExportRow): string {
  const fields = EXPORT_COLUMNS.map((column) => {
    const value = row[column];
    const json =
      column === 'payload' || column === 'results' ? (value ?? 'null') : JSON.stringify(value);
    return `${JSON.stringify(column)}:${String(json)}`;
  });
  return `{${fields.join(',')}}\n`;
}
