/**
 * What PostgreSQL will store. A handler's result (jsonb) and every text the worker writes (log
 * lines, error messages) go through here before they join a batch, so one bad value can never
 * fail a statement that carries a hundred other jobs:
 * - text is made well-formed: lone UTF-16 surrogates and NUL (both refused by PostgreSQL's
 *   text and jsonb) become U+FFFD;
 * - values JSON cannot represent faithfully (circular structures, BigInt, or anything whose
 *   toJSON throws) are refused, naming where they are;
 * - results over `maxBytes` of JSON are refused.
 */
export type StorableJson = { ok: true; json: string } | { ok: false; reason: string };

const REPLACEMENT = '\uFFFD';
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL refuses
const NUL = /\u0000/g;

export function storableText(text: string): string {
  return text.toWellFormed().replace(NUL, REPLACEMENT);
}

export function storableJson(value: unknown, maxBytes: number): StorableJson {
  let json: string | undefined;
  try {
    json = JSON.stringify(value ?? null, wellFormed());
  } catch (error) {
    return { ok: false, reason: `the result cannot be stored as JSON: ${describe(error)}` };
  }
  json ??= 'null'; // a bare function or symbol
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes)
    return {
      ok: false,
      reason: `the result is ${bytes} bytes of JSON, over the limit of ${maxBytes} (WORKER_MAX_RESULT_BYTES)`,
    };
  return { ok: true, json };
}

/** A JSON.stringify replacer that cleans strings and keys, and names the path of a bad value. */
function wellFormed(): (this: unknown, key: string, value: unknown) => unknown {
  const path = new Map<object, string>();
  return function (this: unknown, key: string, value: unknown) {
    const parent = typeof this === 'object' && this !== null ? path.get(this) : undefined;
    const here = parent === undefined ? '$' : `${parent}.${key}`;
    if (typeof value === 'bigint') throw new Error(`BigInt at ${here}`);
    if (typeof value === 'string') return storableText(value);
    if (typeof value === 'object' && value !== null) {
      if (path.has(value) && isAncestor(this, value, path))
        throw new Error(`circular reference at ${here}`);
      path.set(value, here);
      if (!Array.isArray(value) && Object.keys(value).some((k) => storableText(k) !== k))
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), v]));
    }
    return value;
  };
}

/** JSON.stringify itself throws on cycles; this names the path first. Shared objects are fine. */
function isAncestor(holder: unknown, value: object, path: Map<object, string>): boolean {
  const at = typeof holder === 'object' && holder !== null ? path.get(holder) : undefined;
  const own = path.get(value);
  return at !== undefined && own !== undefined && (at === own || at.startsWith(`${own}.`));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
