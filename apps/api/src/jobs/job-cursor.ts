import { JOB_SORTS, type JobKeyset, type JobSort } from '@app/jobs';

const KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque `cursor` of a list answer: base64url of `[sort, key, id]`. */
export function encodeCursor(keyset: JobKeyset): string {
  return Buffer.from(JSON.stringify([keyset.sort, keyset.key, keyset.id])).toString('base64url');
}

/** The keyset an `after` names, or why it cannot be one (a cursor is only good for its sort). */
export function decodeCursor(after: string, sort: JobSort): JobKeyset | string {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    return 'after must be a cursor from a previous answer';
  }
  if (!Array.isArray(parts) || parts.length !== 3)
    return 'after must be a cursor from a previous answer';
  const [s, key, id] = parts as unknown[];
  if (!JOB_SORTS.includes(s as JobSort) || typeof key !== 'string' || !KEY.test(key))
    return 'after must be a cursor from a previous answer';
  if (typeof id !== 'string' || !UUID.test(id))
    return 'after must be a cursor from a previous answer';
  if (s !== sort) return `after is a cursor for sort=${String(s)}, not sort=${sort}`;
  return { sort, key, id };
}
