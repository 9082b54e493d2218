import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Jobqueue-Signature';
export const TIMESTAMP_HEADER = 'X-Jobqueue-Timestamp';
/** How far a receiver may let a signature's timestamp drift from its clock, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function hmacSha256Hex(key: string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/**
 * Signs a webhook body. The signed material is `<timestamp>.<raw body>` (timestamp in Unix
 * seconds, the body's exact UTF-8 bytes), so a captured request cannot be replayed later with a
 * fresh timestamp: changing either part breaks the signature.
 */
export function signWebhook(
  rawBody: string,
  secret: string,
  timestampSeconds: number,
): { timestamp: string; signature: string } {
  const timestamp = String(Math.floor(timestampSeconds));
  return { timestamp, signature: `sha256=${hmacSha256Hex(secret, `${timestamp}.${rawBody}`)}` };
}

/**
 * What a receiver does: recompute the signature over the raw body it received, compare in
 * constant time, and refuse timestamps more than `toleranceSeconds` away from its clock.
 */
export function verifyWebhookSignature(input: {
  rawBody: string;
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  const { rawBody, secret, timestamp, signature, nowSeconds } = input;
  if (!timestamp || !/^\d+$/.test(timestamp) || !signature?.startsWith('sha256=')) return false;
  if (
    Math.abs(nowSeconds - Number(timestamp)) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)
  )
    return false;
  const expected = Buffer.from(signWebhook(rawBody, secret, Number(timestamp)).signature);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
