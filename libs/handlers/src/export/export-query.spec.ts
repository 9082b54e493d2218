import { countQuery, EXPORT_COLUMNS, type ExportRow, pageQuery, toJsonLine } from './export-query';
import { exportKey } from './export-jobs.handler';

const row: ExportRow = {
  id: '00000000-0000-4000-8000-000000000001',
  job_type: 'export',
  status: 'failed',
  created_at: '2024-02-10T00:00:00.123456Z',
  started_at: null,
  completed_at: null,
  retry_count: 2,
  progress: 40,
  error_message: 'line 1\n"line 2", \u2028',
  payload: '{"a": [1, 2], "s": "x\\"y"}',
  results: null,
};

describe('toJsonLine', () => {
  it('writes one JSON object per line, columns in header order, payload as JSON', () => {
    const line = toJsonLine(row);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(EXPORT_COLUMNS);
    expect(parsed).toEqual({ ...row, payload: { a: [1, 2], s: 'x"y' }, results: null });
  });
});

describe('export queries', () => {
  const filter = { userId: 'alice', statuses: [] };

  it('filter by the user and the as-of instant only when no filter is given', () => {
    const count = countQuery(filter);
    expect(count.text).toMatch(/WHERE user_id = \$1 AND created_at <= now\(\)$/);
    expect(count.params).toEqual(['alice']);
  });

  it('number every filter value in order, the cursor and the limit last', () => {
    const page = pageQuery(
      {
        userId: 'alice',
        statuses: ['failed', 'pending'],
        jobType: 'echo',
        createdFrom: '2024-01-01T00:00:00.000Z',
        createdTo: '2024-02-01T00:00:00.000Z',
      },
      '2024-03-01T00:00:00.000000Z',
      { createdAt: '2024-01-05T00:00:00.000001Z', id: 'id-9' },
      5000,
    );
    expect(page.text).toContain(
      'WHERE user_id = $2 AND created_at <= $1::timestamptz AND status = ANY($3::text[])' +
        ' AND job_type = $4 AND created_at >= $5::timestamptz AND created_at < $6::timestamptz' +
        ' AND (created_at, id) > ($7::timestamptz, $8::uuid) ORDER BY jobs.created_at, jobs.id LIMIT $9',
    );
    expect(page.params).toEqual([
      '2024-03-01T00:00:00.000000Z',
      'alice',
      ['failed', 'pending'],
      'echo',
      '2024-01-01T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z',
      '2024-01-05T00:00:00.000001Z',
      'id-9',
      5000,
    ]);
  });

  it('start the first page without a cursor', () => {
    const page = pageQuery(filter, 'now', null, 10);
    expect(page.text).not.toContain('(created_at, id) >');
    expect(page.params).toEqual(['now', 'alice', 10]);
  });
});

describe('exportKey', () => {
  it('is exports/<userId>/<jobId>.<ext>, the user id escaped for use as one path segment', () => {
    expect(exportKey('alice', 'j1', 'csv')).toBe('exports/alice/j1.csv');
    expect(exportKey('auth0|a/b', 'j2', 'jsonl')).toBe('exports/auth0%7Ca%2Fb/j2.jsonl');
  });
});
