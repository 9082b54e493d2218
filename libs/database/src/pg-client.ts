import { Client } from 'pg';

/**
 * node-postgres Client that gives up its connection when a query times out.
 *
 * On `query_timeout` pg rejects the query ("Query read timeout") but leaves it on the connection:
 * the client stays busy until the server answers, which a frozen server never does. TypeORM
 * releases a query runner without the error, so pg-pool would hand that client out again and
 * every later query on it would queue behind the hung one and time out too. Ending the client
 * before the caller sees the rejection marks it `_ending`, so the pool drops it on release and
 * opens a fresh connection for the next query.
 */
export class DiscardOnTimeoutClient extends Client {}

// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .apply(client)
const query = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;

DiscardOnTimeoutClient.prototype.query = function (this: Client, ...args: unknown[]): unknown {
  const result = query.apply(this, args);
  // Promise form (TypeORM). This reaction is registered before the caller's, so it runs first.
  // The callback form (pg-pool's own pool.query) releases with the error, which discards already.
  if (result instanceof Promise) result.catch((error: unknown) => endIfTimedOut(this, error));
  return result;
} as Client['query'];

function endIfTimedOut(client: Client, error: unknown): void {
  if (isQueryTimeout(error)) client.end().catch(() => undefined);
}

/** The error pg raises when `query_timeout` passes without an answer. */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}
