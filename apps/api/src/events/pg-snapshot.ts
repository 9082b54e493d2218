/**
 * Whether a PostgreSQL snapshot (`pg_current_snapshot()::text`, "xmin:xmax:xip,…") sees the
 * work of committed transaction `tx`: it had ended before the snapshot was taken.
 */
export function snapshotIncludes(snapshot: string, tx: string): boolean {
  const [xmin, xmax, xip = ''] = snapshot.split(':');
  const id = BigInt(tx);
  if (id < BigInt(xmin)) return true;
  if (id >= BigInt(xmax)) return false;
  return !xip.split(',').includes(tx);
}
