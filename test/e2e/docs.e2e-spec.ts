import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import { type ApiFixture, body, createApiFixture } from './support/api-fixture';

const run = promisify(execFile);

const OPERATIONS = [
  'post /api/v1/jobs',
  'post /api/v1/jobs/batch',
  'get /api/v1/jobs',
  'get /api/v1/jobs/stats/overview',
  'get /api/v1/jobs/dlq',
  'post /api/v1/jobs/dlq/redrive',
  'get /api/v1/jobs/{id}',
  'put /api/v1/jobs/{id}/cancel',
  'get /api/v1/jobs/{id}/logs',
  'post /api/v1/jobs/{id}/retry',
  'get /api/v1/jobs/events',
  'get /api/v1/jobs/events/token',
  'get /api/v1/jobs/{id}/events',
  'post /api/v1/uploads',
  'get /api/v1/admin/health',
  'get /api/v1/admin/workers',
  'get /api/v1/me',
  'get /api/v1/job-types',
  'post /api/v1/schedules',
  'get /api/v1/schedules',
  'get /api/v1/schedules/{id}',
  'patch /api/v1/schedules/{id}',
  'put /api/v1/schedules/{id}/pause',
  'put /api/v1/schedules/{id}/resume',
  'delete /api/v1/schedules/{id}',
  'put /api/v1/job-types/{type}/pause',
  'put /api/v1/job-types/{type}/resume',
  'put /api/v1/job-types/{type}/rate-limit',
  'delete /api/v1/job-types/{type}/rate-limit',
  'get /api/v1/admin/fair-shares',
  'put /api/v1/admin/fair-shares/users/{userId}',
  'delete /api/v1/admin/fair-shares/users/{userId}',
  'put /api/v1/admin/fair-shares/types/{type}',
  'delete /api/v1/admin/fair-shares/types/{type}',
  'get /health',
  'get /health/live',
  'get /metrics',
];

describe('OpenAPI document and Swagger UI', () => {
  let fx: ApiFixture;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    fx = await createApiFixture();
    doc = body<OpenAPIObject>(await fx.http().get('/docs-json').expect(200));
  });
  afterAll(() => fx.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'delete', 'patch'] as const)
        .filter((m) => item[m])
        .map((m) => ({ key: `${m} ${path}`, op: item[m]! })),
    );

  it('/docs-json is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    // validate() rejects with the first schema violation it finds
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toMatchObject({
      openapi: doc.openapi,
    });
  });

  it('passes @redocly/cli lint with the recommended rules (redocly.yaml), offline, without a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-'));
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const { stdout } = await run(
      process.execPath,
      [require.resolve('@redocly/cli/bin/cli.js'), 'lint', file, '--format=json'],
      {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    await rm(dir, { recursive: true, force: true });
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map(
      (p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('declares the public routes public (security: [])', () => {
    for (const key of ['get /health', 'get /health/live'])
      expect(operations().find((o) => o.key === key)?.op.security).toEqual([]);
  });

  it('documents /metrics as Prometheus text, open or with the METRICS_TOKEN bearer', () => {
    const { op } = operations().find((o) => o.key === 'get /metrics')!;
    expect(op.security).toEqual([{}, { metricsToken: [] }]);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '401']);
    expect(Object.keys((op.responses['200'] as { content: object }).content)).toEqual([
      'text/plain; version=0.0.4; charset=utf-8',
    ]);
    expect(doc.components?.securitySchemes?.metricsToken).toMatchObject({ scheme: 'bearer' });
  });

  it('lists every endpoint, and nothing else', () => {
    expect(
      operations()
        .map((o) => o.key)
        .sort(),
    ).toEqual([...OPERATIONS].sort());
  });

  it('documents bearer auth, a success answer and 401 on every job and upload endpoint', () => {
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const { key, op } of operations().filter((o) => o.key.includes('/api/v1/'))) {
      expect({ key, security: op.security }).toEqual({ key, security: [{ bearer: [] }] });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401']));
      expect(Object.keys(op.responses).some((s) => s.startsWith('2'))).toBe(true);
      expect(op.tags).toEqual([
        /\/(uploads|admin|me|job-types|schedules)\b/.exec(key)?.[1] ?? 'jobs',
      ]);
    }
    const overview = operations().find((o) => o.key === 'get /api/v1/jobs/stats/overview')!;
    expect(Object.keys(overview.op.responses)).toContain('403');
  });

  it('describes errors with the one envelope and statuses with their enum', () => {
    const schemas = doc.components!.schemas! as Record<string, SchemaObject>;
    expect(schemas.ErrorResponseDto.properties).toHaveProperty('error');
    expect(schemas.JobStatus.enum).toEqual([
      'pending',
      'processing',
      'completed',
      'failed',
      'cancelled',
    ]);
    const create = operations().find((o) => o.key === 'post /api/v1/jobs')!.op;
    expect(Object.keys(create.responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '404',
      '409',
      '413',
      '422',
      '429',
    ]);
    expect(create.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
    const jobType = schemas.CreateJobRequestDto.properties!.jobType as SchemaObject;
    expect(jobType.description).toContain(
      'Known types: bulk-import, cleanup-jobs, echo, export, thumbnail-generation',
    );
    expect(jobType.example).toBe('echo');
  });

  it('serves the Swagger UI at /docs', async () => {
    const res = await fx.http().get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
    await fx.http().get('/docs/swagger-ui.css').expect(200);
  });
});
