import type { JobTypeListResponseDto } from '../../apps/api/src/job-types/dto/job-type.response.dto';
import type { MeResponseDto } from '../../apps/api/src/me/dto/me.response.dto';
import type { WorkerListResponseDto } from '../../apps/api/src/health/dto/workers.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  eventually,
  type Wire,
} from './support/api-fixture';

/** The routes the dashboard needed beyond the specification's, and the page's own serving. */
describe('dashboard support: /me, /job-types, /admin/workers and /dashboard', () => {
  let fx: ApiFixture;

  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { http: { workerMaxAgeMs: 60_000 } } });
  });
  afterAll(() => fx.close());

  it('GET /me answers the caller as the api reads the token: its subject and roles', async () => {
    const res = await fx
      .http()
      .get('/api/v1/me')
      .set(bearer(fx.token('carol', 'viewer')))
      .expect(200);
    expect(body<MeResponseDto>(res).data).toEqual({ id: 'carol', roles: ['user', 'viewer'] });
    await fx.http().get('/api/v1/me').expect(401);
  });

  it('GET /job-types lists every type with its description and a JSON Schema of its payload', async () => {
    const res = await fx
      .http()
      .get('/api/v1/job-types')
      .set(bearer(fx.token('alice')))
      .expect(200);
    const types = body<JobTypeListResponseDto>(res).data;
    expect(types.map((t) => t.name)).toEqual([
      'bulk-import',
      'cleanup-jobs',
      'echo',
      'export',
      'thumbnail-generation',
    ]);
    const echo = types.find((t) => t.name === 'echo')!;
    expect(echo.description).toMatch(/message/);
    expect(echo.payloadSchema).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        message: { type: 'string', maxLength: 10_000 },
        delayMs: { type: 'integer', minimum: 0, maximum: 600_000 },
        failAttempts: { type: 'integer', minimum: 0, maximum: 100 },
      },
    });
    expect(types.find((t) => t.name === 'bulk-import')!.payloadSchema.required).toEqual(['source']);
    // a nested payload class travels with the schema that refers to it
    const cleanup = types.find((t) => t.name === 'cleanup-jobs')!.payloadSchema as {
      properties: { olderThanDays: { $ref: string } };
      definitions: Record<string, { properties: object; additionalProperties: boolean }>;
    };
    expect(cleanup.properties.olderThanDays.$ref).toBe('#/definitions/RetentionDays');
    expect(Object.keys(cleanup.definitions.RetentionDays.properties).sort()).toEqual([
      'cancelled',
      'completed',
      'failed',
    ]);
    expect(cleanup.definitions.RetentionDays.additionalProperties).toBe(false);
  });

  it('GET /admin/workers lists each worker with its jobs in flight and last heartbeat, for admins and viewers only', async () => {
    const worker = await fx.startWorker();
    const res = await eventually(
      () =>
        fx
          .http()
          .get('/api/v1/admin/workers')
          .set(bearer(fx.token('root', 'admin'))),
      (r) => body<Wire<WorkerListResponseDto>>(r).data.length === 1,
    );
    const [row] = body<Wire<WorkerListResponseDto>>(res).data;
    expect(row).toMatchObject({ live: true, inFlight: 0 });
    expect(row.ageMs).toBeLessThan(fx.config.http.workerMaxAgeMs);
    await fx
      .http()
      .get('/api/v1/admin/workers')
      .set(bearer(fx.token('eve', 'viewer')))
      .expect(200);
    await fx
      .http()
      .get('/api/v1/admin/workers')
      .set(bearer(fx.token('alice')))
      .expect(403);
    await worker.close();
  });

  it('serves the page without a token, under a strict CSP, and only the vendor files it names', async () => {
    const page = await fx.http().get('/dashboard').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(
      /^default-src 'none'; script-src 'self' 'sha256-/,
    );
    expect(page.text).toContain('<script type="importmap">');
    const main = await fx.http().get('/dashboard/assets/js/main.js').expect(200);
    expect(main.headers['content-type']).toMatch(/javascript/);
    expect(main.headers['content-security-policy']).toBe(page.headers['content-security-policy']);
    await fx.http().get('/dashboard/vendor/preact/preact.mjs').expect(200);
    await fx.http().get('/dashboard/vendor/uplot/uPlot.min.css').expect(200);
    // nothing else of node_modules, nor of the api's own code
    await fx.http().get('/dashboard/vendor/preact/../package.json').expect(404);
    await fx.http().get('/dashboard/vendor/preact/%2e%2e/package.json').expect(404);
    await fx.http().get('/dashboard/assets/../serve-dashboard.ts').expect(404);
  });
});
