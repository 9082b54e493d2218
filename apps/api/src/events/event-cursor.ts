import type { StreamPosition } from '@app/jobs';

/**
 * The SSE `id` of an event: the stream's position after it, as
 * `<event id>.<log id>.<xmin>.<epoch ms>`. Opaque to clients, who send it back as Last-Event-ID.
 */
export function encodeCursor(p: StreamPosition): string {
  return `${p.eventId}.${p.logId}.${p.xmin}.${p.at.getTime()}`;
}

const CURSOR = /^(\d{1,19})\.(\d{1,19})\.(\d{1,19})\.(\d{1,15})$/;

/** The position a Last-Event-ID names, or null when it is not one of ours. */
export function decodeCursor(text: string): StreamPosition | null {
  const m = CURSOR.exec(text.trim());
  if (!m) return null;
  const at = new Date(Number(m[4]));
  return Number.isNaN(at.getTime()) ? null : { eventId: m[1], logId: m[2], xmin: m[3], at };
}

/** The later of two positions, field by field (each field only moves forward). */
export function advance(p: StreamPosition, next: Partial<StreamPosition>): StreamPosition {
  const max = (a: string, b: string | undefined) =>
    b !== undefined && BigInt(b) > BigInt(a) ? b : a;
  return {
    eventId: max(p.eventId, next.eventId),
    logId: max(p.logId, next.logId),
    xmin: next.xmin ?? p.xmin,
    at: next.at && next.at > p.at ? next.at : p.at,
  };
}
