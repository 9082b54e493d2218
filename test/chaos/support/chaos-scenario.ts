import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sign } from 'jsonwebtoken';
import { configToEnv } from '../../support/worker-process';
import { testConfig } from '../../support/test-config';
import { CHAOS_ENV } from './chaos-env';
import { ChaosPostgres } from './chaos-postgres';
import { ChaosProcess } from './chaos-process';
import { ChaosSqs } from './chaos-sqs';
import { freePort } from './free-port';

const JWT_SECRET = 'chaos-secret-chaos-secret-chaos-secret!';
const USER = 'chaos-user';
const KEEP_FILES_ENV = 'CHAOS_KEEP_FILES';

/**
 * Short timings so that a scenario's faults are noticed and recovered from within seconds; the
 * ratios are production's (stall limit 6 heartbeats, resend limit above the stall limit).
 */
export const CHAOS_TIMINGS = {
  heartbeatMs: 500,
  stallAfterMs: 3000,
  intervalMs: 500,
  /** RECOVERY_RESEND_AFTER_MS's minimum. */
  resendAfterMs: 10_000,
} as const;

/**
 * Client timeouts far below the defaults, for scenarios where PostgreSQL goes away: a query to a
 * frozen server fails after 3 s, so that an outage is "longer than the pool's timeouts" within
 * seconds. Statement < query (the server cancels first), as the config requires.
 */
export const SHORT_DATABASE_TIMEOUTS = {
  DATABASE_CONNECT_TIMEOUT_MS: '2000',
  DATABASE_STATEMENT_TIMEOUT_MS: '2500',
  DATABASE_QUERY_TIMEOUT_MS: '3000',
} as const;

/** A time span during which a fault was in effect; `workers` names the processes it killed. */
export interface FaultWindow {
  what: string;
  from: number;
  to: number;
  killed?: string[];
}

export interface CreateOutcome {
  status: number;
  jobId: string | undefined;
  body: string;
  /** How long the api took to answer (or the request to fail), in ms. */
  ms: number;
}

export interface JobSpec {
  jobType: string;
  payload: Record<string, unknown>;
}

/**
 * One chaos scenario: its own PostgreSQL and SQS emulator, the real api and workers as
 * processes, a history file the workers' handlers append to, and the record of which creates
 * were accepted and which faults were injected when.
 */
export class ChaosScenario {
  readonly workers = new Map<string, ChaosProcess>();
  readonly faults: FaultWindow[] = [];
  /** Job ids the api answered 202 for, in the order of the answers. */
  readonly accepted: string[] = [];
  readonly creates: CreateOutcome[] = [];
  readonly historyFile: string;
  readonly startedAt = Date.now();
  private readonly token: string;
  private api?: ChaosProcess;
  private apiPort = 0;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly pg: ChaosPostgres,
    readonly sqs: ChaosSqs,
    private readonly baseEnv: Record<string, string>,
  ) {
    this.historyFile = path.join(dir, 'history.jsonl');
    this.token = sign({ sub: USER, roles: ['user'] }, JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: '2h',
    });
  }

  /**
   * Starts PostgreSQL, the emulator and the api. `env` overrides the workers' and api's
   * variables for the whole scenario (a worker can add its own in `startWorker`).
   */
  static async start(name: string, env: Record<string, string> = {}): Promise<ChaosScenario> {
    const dir = mkdtempSync(path.join(os.tmpdir(), `jq-chaos-${name}-`));
    const [pg, sqs] = await Promise.all([ChaosPostgres.create(), ChaosSqs.create()]);
    const config = testConfig(pg.url, {
      queue: {
        queueUrl: sqs.queues.queueUrl,
        dlqUrl: sqs.queues.dlqUrl,
        endpoint: sqs.endpoint,
        waitTimeSeconds: 1,
      },
      processor: { intervalMs: CHAOS_TIMINGS.intervalMs, maxRetries: 3, initialRetryDelayMs: 200 },
      worker: {
        concurrency: 10,
        heartbeatMs: CHAOS_TIMINGS.heartbeatMs,
        stallAfterMs: CHAOS_TIMINGS.stallAfterMs,
        resendAfterMs: CHAOS_TIMINGS.resendAfterMs,
        shutdownGraceMs: 5000,
      },
      database: { poolSize: 10 },
    });
    const baseEnv = {
      ...configToEnv(config),
      JWT_SECRET,
      HOST: '127.0.0.1',
      WORKER_HEALTH_PORT: '0',
      HEALTH_WORKER_MAX_AGE_MS: '0',
      RATE_LIMIT_MAX: '1000000',
      LOG_LEVEL: 'warn',
      ...env,
    };
    const scenario = new ChaosScenario(name, dir, pg, sqs, baseEnv);
    try {
      await scenario.startApi();
    } catch (error) {
      await scenario.close();
      throw error;
    }
    return scenario;
  }

  async startApi(): Promise<void> {
    this.apiPort ||= await freePort();
    this.api = await ChaosProcess.spawn(
      'api',
      'chaos-api-main.ts',
      { ...this.baseEnv, PORT: String(this.apiPort) },
      this.dir,
    );
  }

  /** Starts a worker process named `name` (its history lines carry the name). */
  async startWorker(name: string, env: Record<string, string> = {}): Promise<ChaosProcess> {
    if (this.workers.get(name)?.running) throw new Error(`worker ${name} is already running`);
    const worker = await ChaosProcess.spawn(
      name,
      'chaos-worker-main.ts',
      {
        ...this.baseEnv,
        ...env,
        [CHAOS_ENV.historyFile]: this.historyFile,
        [CHAOS_ENV.worker]: name,
      },
      this.dir,
    );
    this.workers.set(name, worker);
    return worker;
  }

  /** Records that a fault is in effect from now on; call the returned function when it ends. */
  beginFault(what: string, killed?: string[]): () => void {
    const window: FaultWindow = { what, from: Date.now(), to: Number.POSITIVE_INFINITY, killed };
    this.faults.push(window);
    return () => {
      window.to = Date.now();
    };
  }

  /** SIGKILL of a worker, recorded as a fault of that instant. */
  async killWorker(name: string): Promise<void> {
    const worker = this.workers.get(name);
    if (!worker) throw new Error(`no worker ${name}`);
    const end = this.beginFault(`SIGKILL ${name}`, [name]);
    await worker.kill();
    end();
  }

  /**
   * Creates jobs the way users do, POST /api/v1/jobs one job per request, `parallel` requests
   * in flight, each lane pausing `paceMs` after each answer. Only 202 answers count as accepted.
   */
  async submit(jobs: readonly JobSpec[], parallel = 10, paceMs = 0): Promise<string[]> {
    const ids: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < jobs.length) {
        const job = jobs[next++];
        const outcome = await this.create(job);
        this.creates.push(outcome);
        if (outcome.status === 202 && outcome.jobId) {
          this.accepted.push(outcome.jobId);
          ids.push(outcome.jobId);
        }
        if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
      }
    };
    await Promise.all(Array.from({ length: parallel }, lane));
    return ids;
  }

  /** PUT /api/v1/jobs/:id/cancel: the status code and the body. */
  async cancel(jobId: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${this.apiPort}/api/v1/jobs/${jobId}/cancel`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: await res.text() };
  }

  /** Everything process `name` wrote so far (its `<name>.log`), for assertions on its logging. */
  log(name: string): string {
    const file = path.join(this.dir, `${name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  private async create(job: JobSpec): Promise<CreateOutcome> {
    const from = Date.now();
    const outcome = await this.post(job);
    return { ...outcome, ms: Date.now() - from };
  }

  private async post(job: JobSpec): Promise<Omit<CreateOutcome, 'ms'>> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.apiPort}/api/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify(job),
        signal: AbortSignal.timeout(30_000),
      });
      const body = await res.text();
      const jobId =
        res.status === 202 ? (JSON.parse(body) as { data: { id: string } }).data.id : undefined;
      return { status: res.status, jobId, body };
    } catch (error) {
      return { status: 0, jobId: undefined, body: String(error) };
    }
  }

  /** Statuses of the given jobs right now (for progress conditions in scenarios). */
  async countJobs(ids: readonly string[], where: string): Promise<number> {
    const [row] = await this.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND (${where})`,
      [ids],
    );
    return row.n;
  }

  /**
   * Stops every process (gracefully) and the servers, and removes the scenario's files, unless
   * `keepFiles` or CHAOS_KEEP_FILES=1 (to read the processes' logs after a failure).
   */
  async close(opts: { keepFiles?: boolean } = {}): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    await this.api?.stop();
    await Promise.all([this.sqs.destroy(), this.pg.destroy()]);
    if (opts.keepFiles || process.env[KEEP_FILES_ENV] === '1')
      process.stdout.write(`${this.name}: files kept in ${this.dir}\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  /** The last lines of every process's output, for a failure message. */
  outputs(): string {
    return [this.api, ...this.workers.values()]
      .filter((p): p is ChaosProcess => p !== undefined)
      .map((p) => `--- ${p.name} ---\n${p.output().slice(-3000)}`)
      .join('\n');
  }
}
