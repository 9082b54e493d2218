// Every call the dashboard makes is a call to /api/v1 with the user's own token: it can do
// nothing the same user could not do with curl.
import { session } from './session.js';

/** An answer in the api's error envelope `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Fired when the api refuses the token (expired or revoked): the app goes back to the login. */
export const tokenRefused = new EventTarget();

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${session.token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  if (res.status === 401) tokenRefused.dispatchEvent(new Event('refused'));
  const error = data?.error;
  throw new ApiError(
    res.status,
    error?.code ?? `HTTP_${res.status}`,
    error?.message ?? `The api answered ${res.status}`,
    error?.details ?? [],
  );
}

/** A query string from an object: empty values left out, arrays as repeated parameters. */
export function queryString(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const one of [value].flat())
      if (one !== undefined && one !== null && one !== '') search.append(name, String(one));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
