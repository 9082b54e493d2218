import { type ChildProcess, fork } from 'node:child_process';
import { OUTPUT_END } from './output-end';

export interface InstanceConfig {
  name: string;
  /** The function's bundle (a CommonJS file exporting `handler`). */
  bundle: string;
  timeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
  /** The bundled function-runner. */
  runner: string;
  cwd: string;
}

export interface RunOutcome {
  kind: 'result' | 'error' | 'timeout' | 'crash';
  /** The response body: the JSON result, or the error object. */
  payload: string;
  /** Everything the invocation printed, with START, END and REPORT lines. */
  output: string;
}

interface Reply {
  ready?: true;
  ok: boolean;
  payload: string;
}

interface Invocation {
  requestId: string;
  started: number;
  output: string;
  reply?: Reply;
  ended: boolean;
  timedOut: boolean;
  timer: NodeJS.Timeout;
  resolve: (outcome: RunOutcome) => void;
}

/** Lambda's limit on a function's init phase (loading the module). */
const INIT_TIMEOUT_MS = 10_000;

/**
 * One execution environment of a function: a child process that loads the bundle once and
 * then serves invocations one at a time (warm starts), until it is killed at a timeout, crashes,
 * or the server stops. Like Lambda, the timeout counts from the invocation, not from init.
 */
export class FunctionInstance {
  readonly child: ChildProcess;
  busy = false;
  dead = false;
  private readonly ready: Promise<Reply | null>;
  private current?: Invocation;

  constructor(
    private readonly fn: InstanceConfig,
    onExit: (instance: FunctionInstance) => void,
  ) {
    this.child = fork(fn.runner, [fn.bundle], {
      cwd: fn.cwd,
      env: {
        ...fn.env,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_TIMEOUT: String(Math.ceil(fn.timeoutMs / 1000)),
      },
      execArgv: ['--enable-source-maps'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk.toString('utf8'), true));
    this.child.stderr?.on('data', (chunk: Buffer) => this.onOutput(chunk.toString('utf8'), false));
    this.ready = new Promise((resolve) => {
      const initTimer = setTimeout(() => this.child.kill('SIGKILL'), INIT_TIMEOUT_MS);
      this.child.once('message', (m: Reply) => {
        clearTimeout(initTimer);
        resolve(m.ready ? null : m);
      });
      this.child.once('close', () => {
        clearTimeout(initTimer);
        resolve({
          ok: false,
          payload: JSON.stringify({
            errorType: 'Runtime.ExitError',
            errorMessage: 'Runtime exited during init',
          }),
        });
      });
    });
    this.child.on('message', (m: Reply) => {
      if (m.ready || !this.current) return;
      this.current.reply = m;
      this.settle();
    });
    this.child.once('close', (code, signal) => {
      this.dead = true;
      const inv = this.current;
      if (inv) {
        const seconds = (this.fn.timeoutMs / 1000).toFixed(2);
        if (inv.timedOut) {
          inv.output += `${new Date().toISOString()} ${inv.requestId} Task timed out after ${seconds} seconds\n`;
          this.finish(
            'timeout',
            JSON.stringify({
              errorType: 'Sandbox.Timedout',
              errorMessage: `RequestId: ${inv.requestId} Error: Task timed out after ${seconds} seconds`,
            }),
          );
        } else {
          this.finish(
            'crash',
            JSON.stringify({
              errorType: 'Runtime.ExitError',
              errorMessage: `RequestId: ${inv.requestId} Error: Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`,
            }),
          );
        }
      }
      onExit(this);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async invoke(event: unknown, requestId: string): Promise<RunOutcome> {
    this.busy = true;
    const initFailure = await this.ready;
    const start = `START RequestId: ${requestId} Version: $LATEST\n`;
    if (initFailure) {
      this.kill();
      return { kind: 'error', payload: initFailure.payload, output: start };
    }
    return new Promise((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => {
        if (this.current) this.current.timedOut = true;
        this.kill();
      }, this.fn.timeoutMs);
      this.current = {
        requestId,
        started,
        output: start,
        ended: false,
        timedOut: false,
        timer,
        resolve,
      };
      this.child.send({
        event,
        requestId,
        functionName: this.fn.name,
        deadline: started + this.fn.timeoutMs,
      });
    });
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }

  private onOutput(text: string, stdout: boolean): void {
    const inv = this.current;
    if (!inv) return; // output between invocations belongs to none (Lambda logs it the same way)
    if (stdout && text.includes(OUTPUT_END)) {
      inv.output += text.replace(`${OUTPUT_END}\n`, '');
      inv.ended = true;
      this.settle();
    } else inv.output += text;
  }

  /** An invocation is over once both its reply and the end of its output have arrived. */
  private settle(): void {
    const inv = this.current;
    if (inv?.reply && inv.ended) this.finish(inv.reply.ok ? 'result' : 'error', inv.reply.payload);
  }

  private finish(kind: RunOutcome['kind'], payload: string): void {
    const inv = this.current!;
    this.current = undefined;
    clearTimeout(inv.timer);
    const ms = Date.now() - inv.started;
    inv.output += `END RequestId: ${inv.requestId}\nREPORT RequestId: ${inv.requestId}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${ms} ms\tMemory Size: 1024 MB\n`;
    this.busy = false;
    inv.resolve({ kind, payload, output: inv.output });
  }
}
