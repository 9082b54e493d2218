import { promises as fsp, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataSourceOptions } from '@app/database';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  type EmbeddedPostgresServer,
  startEmbeddedPostgres,
} from '../../../tools/dev-services/postgres-server';
import { freePort } from './free-port';

const DATABASE = 'chaos';

/**
 * A PostgreSQL server of one chaos scenario, in processes of its own, so that faults can be
 * injected into it without touching the machine's shared server on 5432: a fixed loopback port
 * and a persistent data directory (under os.tmpdir(), removed by `destroy`) let it be stopped
 * and started again with the same address and the same rows.
 */
export class ChaosPostgres {
  private server?: EmbeddedPostgresServer;
  private frozen: number[] = [];

  private constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  /** Starts the server, creates the `chaos` database and runs the real migrations. */
  static async create(): Promise<ChaosPostgres> {
    const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'jq-chaos-pg-'));
    // as root the server runs as the postgres OS user, which must be able to write it
    await fsp.chmod(dataDir, 0o755);
    const pg = new ChaosPostgres(await freePort(), path.join(dataDir, 'data'));
    await pg.start();
    const admin = new Client({ connectionString: pg.adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    const dataSource = new DataSource({
      ...dataSourceOptions({ url: pg.url, runMigrations: false, poolSize: 1 }),
      logging: ['error'],
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.destroy();
    return pg;
  }

  /** The scenario's database (what DATABASE_URL of its api and workers names). */
  get url(): string {
    return this.adminUrl.replace(/\/postgres$/, `/${DATABASE}`);
  }

  private get adminUrl(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** PID of the running postmaster. */
  get pid(): number {
    if (!this.server) throw new Error('chaos postgres is not running');
    return this.server.pid;
  }

  /** Starts the server on its port with its data (again, after `stop` or `kill`). */
  async start(): Promise<void> {
    if (this.server) return;
    this.server = await startEmbeddedPostgres({
      port: this.port,
      dataDir: this.dataDir,
      persistent: true,
    });
  }

  /** A clean (fast) shutdown: clients are disconnected, connections refused until `start`. */
  async stop(): Promise<void> {
    this.thaw();
    await this.server?.stop();
    this.server = undefined;
  }

  /** SIGKILL of the postmaster and every backend: a crash, recovered from the WAL on `start`. */
  async kill(): Promise<void> {
    if (!this.server) return;
    const pids = [this.server.pid, ...descendants(this.server.pid)];
    for (const pid of pids) signal(pid, 'SIGKILL');
    // the supervisor notices its postmaster died and exits by itself
    await this.server.stop().catch(() => undefined);
    this.frozen = [];
    this.server = undefined;
  }

  /**
   * SIGSTOP of the postmaster and all its children (backends, checkpointer, WAL writer…):
   * connections are accepted by the kernel but nothing answers, as with a hung host.
   */
  freeze(): void {
    const pids = [this.pid, ...descendants(this.pid)];
    for (const pid of pids) signal(pid, 'SIGSTOP');
    this.frozen = pids;
  }

  /** SIGCONT of everything `freeze` stopped. */
  thaw(): void {
    for (const pid of this.frozen) signal(pid, 'SIGCONT');
    this.frozen = [];
  }

  /** A connection to the scenario's database, for the invariants. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Stops the server and removes its data directory. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => this.kill());
    await fsp.rm(path.dirname(this.dataDir), { recursive: true, force: true });
  }
}

/** Every process below `pid`, from /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number): void => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let text = '';
      try {
        text = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of text.trim().split(/\s+/).filter(Boolean).map(Number)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}
