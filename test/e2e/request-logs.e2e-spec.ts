import { logsDuring } from '../security/support/captured-logs';
import { jsonLines } from '../security/support/log-lines';
import { type ApiFixture, bearer, createApiFixture, UUID } from './support/api-fixture';

describe('api log lines carry the request id', () => {
  let fx: ApiFixture;

  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { log: { level: 'info' } } });
  });
  afterAll(() => fx.close());

  it("keeps the caller's X-Request-Id, echoes it, and puts it on the request's completion line", async () => {
    let echoed: string | undefined;
    const logs = await logsDuring(async () => {
      const res = await fx
        .http()
        .get('/api/v1/jobs')
        .set(bearer(fx.token('alice')))
        .set('X-Request-Id', 'edge-7f3a:42')
        .expect(200);
      echoed = res.headers['x-request-id'];
    });
    expect(echoed).toBe('edge-7f3a:42');
    expect(jsonLines(logs)).toContainEqual(
      expect.objectContaining({
        reqId: 'edge-7f3a:42',
        msg: 'request completed',
        req: { method: 'GET', url: '/api/v1/jobs' },
        res: { statusCode: 200 },
      }),
    );
  });

  it('labels a line a guard logs while handling the request, not only the completion line', async () => {
    const logs = await logsDuring(() =>
      fx
        .http()
        .get('/api/v1/jobs')
        .set(bearer('not-a-token'))
        .set('X-Request-Id', 'refused-1')
        .expect(401),
    );
    const refused = jsonLines(logs).filter((l) => String(l.msg).startsWith('token refused'));
    expect(refused).toEqual([expect.objectContaining({ reqId: 'refused-1', level: 40 })]);
  });

  it('generates a UUID for a request without an id, and for one whose id is not plain', async () => {
    const ids: string[] = [];
    const logs = await logsDuring(async () => {
      for (const given of [undefined, 'a'.repeat(200), 'x"}{"admin":true']) {
        const req = fx
          .http()
          .get('/api/v1/jobs')
          .set(bearer(fx.token('alice')));
        const res = await (given === undefined ? req : req.set('X-Request-Id', given)).expect(200);
        ids.push(res.headers['x-request-id']);
      }
    });
    expect(ids).toEqual([
      expect.stringMatching(UUID),
      expect.stringMatching(UUID),
      expect.stringMatching(UUID),
    ]);
    expect(new Set(ids).size).toBe(3);
    const completed = jsonLines(logs).filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => l.reqId)).toEqual(ids);
  });
});
