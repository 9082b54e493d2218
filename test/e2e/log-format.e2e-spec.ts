import { outputUntilStarted } from '../support/app-output';
import { EMULATOR_CREDENTIALS } from '../support/spawn-from-source';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Pretty lines: `[HH:MM:ss.mmm] INFO (app): [Context] message`, the level maybe coloured. */
const pretty = (app: string) =>
  new RegExp(
    `^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] \\S*INFO\\S* \\(${app}\\): .*\\[NestApplication\\] Nest application successfully started`,
    'm',
  );
/** The start of an ANSI colour sequence. */
const ANSI = `${String.fromCharCode(27)}[`;

/** The first JSON line an app wrote, parsed; throws when there is none. */
function firstJson(output: string): Record<string, unknown> {
  const line = output.split(/\r?\n/).find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON line in:\n${output}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('log format of a started app', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      ...EMULATOR_CREDENTIALS,
      DATABASE_URL: db.url,
      // the apps start without reaching SQS (the outbox keeps what it cannot send)
      SQS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/q',
      SQS_DLQ_URL: 'http://127.0.0.1:1/000000000000/dlq',
      JWT_SECRET: 'q7Vt2mXc9LpR4sWz8KdN3hFb6YgJ0aEu',
      HOST: '127.0.0.1',
      PORT: '0',
      WORKER_HEALTH_PORT: '0',
    };
  });
  afterAll(() => db.drop());

  it('writes JSON lines when stdout is a pipe', async () => {
    const out = await outputUntilStarted('api', env);
    expect(firstJson(out)).toEqual(
      expect.objectContaining({ level: 30, name: 'api', context: 'NestFactory' }),
    );
    expect(out).not.toMatch(pretty('api'));
  });

  it('writes pretty lines with LOG_FORMAT=pretty, even on a pipe', async () => {
    const out = await outputUntilStarted('worker', { ...env, LOG_FORMAT: 'pretty' });
    expect(out).toMatch(pretty('worker'));
    expect(out.split('\n').some((l) => l.startsWith('{'))).toBe(false);
  });

  it('writes coloured pretty lines on a terminal, as under npm start', async () => {
    const out = await outputUntilStarted('api', { ...env, TERM: 'xterm' }, { tty: true });
    expect(out).toMatch(pretty('api'));
    expect(out).toContain(ANSI);
  });

  it('writes JSON on a terminal too under NODE_ENV=production', async () => {
    const out = await outputUntilStarted(
      'api',
      { ...env, TERM: 'xterm', NODE_ENV: 'production' },
      { tty: true },
    );
    expect(firstJson(out)).toEqual(expect.objectContaining({ level: 30 }));
    expect(out).not.toContain(ANSI);
  });
});
