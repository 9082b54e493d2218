/**
 * The compiled api as a process of a standalone benchmark (burst.ts, events.ts), and the
 * requests the benchmark makes of it through one keep-alive undici pool: bearer tokens signed
 * with the api's JWT_SECRET, one per user and role, minted once.
 */
import { sign } from 'jsonwebtoken';
import { Pool } from 'undici';
import { type ServiceProcess, startCompiled } from './child-process';

/** The api's JWT_SECRET in the standalone benchmarks. */
export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret';

const tokens = new Map<string, string>();
/** A bearer token of `user` with `role`. */
export function bearer(user: string, role: 'user' | 'admin' = 'user'): string {
  const key = `${role}:${user}`;
  let t = tokens.get(key);
  if (!t) {
    t = sign({ sub: user, roles: [role] }, BENCH_JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: '1h',
    });
    tokens.set(key, t);
  }
  return `Bearer ${t}`;
}

export class BenchApi {
  private readonly pool: Pool;
  private constructor(
    readonly process: ServiceProcess,
    readonly url: string,
    connections: number,
  ) {
    this.pool = new Pool(url, { connections });
  }

  /** Starts api-main with `env` (plus JWT_SECRET); `connections`: requests in flight at most. */
  static async start(env: NodeJS.ProcessEnv, connections: number): Promise<BenchApi> {
    const proc = await startCompiled(
      'bench/jobqueue/api-main',
      { ...env, JWT_SECRET: BENCH_JWT_SECRET },
      /^api listening /,
    );
    return new BenchApi(proc, proc.readyLine.slice('api listening '.length), connections);
  }

  /** Status code, milliseconds and parsed body of one POST by `user`. */
  async post(
    route: string,
    user: string,
    body: unknown,
  ): Promise<{ status: number; ms: number; body: unknown }> {
    const t = performance.now();
    const res = await this.pool.request({
      path: route,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer(user) },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      ms: performance.now() - t,
      body: text ? (JSON.parse(text) as unknown) : null,
    };
  }

  /** The body of one GET, as text. */
  async getText(route: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await this.pool.request({ path: route, method: 'GET', headers });
    return res.body.text();
  }

  async stop(): Promise<void> {
    await this.pool.close();
    await this.process.stop();
  }
}
