import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { EMULATOR_CREDENTIALS, spawnFromSource } from '../../support/spawn-from-source';

const START_TIMEOUT_MS = 60_000;

/**
 * An api or worker of a chaos scenario, running from source in its own process (as `node
 * main.js` would), so that it can be killed. Its output goes to `<name>.log` in the scenario's
 * directory; the tail is kept for error messages.
 */
export class ChaosProcess {
  readonly exited: Promise<number | null>;
  private tail = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly log: WriteStream,
  ) {
    const keep = (d: Buffer): void => {
      this.tail = (this.tail + d.toString()).slice(-8000);
      log.write(d);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        log.write(`\n[exited: code ${String(code)}, signal ${String(signal)}]\n`);
        resolve(code);
      }),
    );
  }

  /** Spawns `entry` (a .ts file under test/chaos/support) and waits for its `ready` line. */
  static async spawn(
    name: string,
    entry: 'chaos-worker-main.ts' | 'chaos-api-main.ts',
    env: Record<string, string>,
    dir: string,
  ): Promise<ChaosProcess> {
    const child = spawnFromSource(path.join('test/chaos/support', entry), {
      ...EMULATOR_CREDENTIALS,
      ...env,
    });
    const proc = new ChaosProcess(name, child, createWriteStream(path.join(dir, `${name}.log`)));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!/^(worker|api) ready$/m.test(proc.tail)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${name} did not start:\n${proc.tail}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return proc;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.tail;
  }

  /** SIGKILL: no shutdown hook runs, nothing is released. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
    this.log.end();
  }

  /** SIGTERM (the graceful shutdown), then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.log.end();
  }

  /** SIGSTOP / SIGCONT. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.child.kill('SIGCONT');
  }
}
