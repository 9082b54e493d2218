import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { type IdentityProvider, startIdentityProvider } from '../support/identity-provider';
import type { JobAcceptedResponseDto } from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import type { JobListResponseDto } from '../../apps/api/src/jobs/dto/job-list.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  signToken,
  type Wire,
} from './support/api-fixture';

const SOME_ID = '5d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a';
const ENDPOINTS: [method: 'get' | 'post' | 'put', path: string][] = [
  ['post', '/api/v1/jobs'],
  ['post', '/api/v1/jobs/batch'],
  ['get', '/api/v1/jobs'],
  ['get', '/api/v1/jobs/stats/overview'],
  ['get', `/api/v1/jobs/${SOME_ID}`],
  ['put', `/api/v1/jobs/${SOME_ID}/cancel`],
  ['get', `/api/v1/jobs/${SOME_ID}/logs`],
  ['post', `/api/v1/jobs/${SOME_ID}/retry`],
];

describe('authentication and authorization', () => {
  let fx: ApiFixture;
  let secret: string;
  let alicesJob: string;

  beforeAll(async () => {
    fx = await createApiFixture();
    secret = fx.config.auth.secret!;
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set(bearer(fx.token('alice')))
      .send({ jobType: 'echo', payload: { message: 'private' } })
      .expect(202);
    alicesJob = body<Wire<JobAcceptedResponseDto>>(res).data.id;
  });
  afterAll(() => fx.close());

  const call = (
    method: 'get' | 'post' | 'put',
    path: string,
    headers: Record<string, string> = {},
  ) => fx.http()[method](path).set(headers);

  const expectUnauthorized = (res: {
    status: number;
    body: unknown;
    headers: Record<string, string>;
  }) => {
    expect(res.status).toBe(401);
    expect(body<ErrorBody>(res).error).toMatchObject({ code: 'UNAUTHORIZED', details: [] });
    expect(res.headers['www-authenticate']).toBe('Bearer');
  };

  describe.each(ENDPOINTS)('%s %s', (method, path) => {
    it('refuses a request without a token with 401', async () => {
      const res = await call(method, path);
      expectUnauthorized(res);
      expect(body<ErrorBody>(res).error.message).toBe('A bearer token is required');
    });

    it('refuses an expired token with 401', async () => {
      const expired = signToken(secret, {
        sub: 'alice',
        roles: ['admin'],
        exp: Math.floor(Date.now() / 1000) - 60,
      });
      const res = await call(method, path, bearer(expired));
      expectUnauthorized(res);
      expect(body<ErrorBody>(res).error.message).toBe('The bearer token is invalid or expired');
    });

    it('refuses a token signed with another secret with 401', async () => {
      const forged = signToken('another-secret-another-secret-0123', {
        sub: 'alice',
        roles: ['admin'],
      });
      const res = await call(method, path, bearer(forged));
      expectUnauthorized(res);
      expect(body<ErrorBody>(res).error.message).toBe('The bearer token is invalid or expired');
    });
  });

  it.each([
    ['a token without sub', () => signToken(secret, { roles: ['admin'] })],
    ['an unsigned token (alg none)', () => sign({ sub: 'alice' }, '', { algorithm: 'none' })],
    ['a token that is not a JWT', () => 'not-a-jwt'],
    [
      'a token that is not valid yet',
      () => signToken(secret, { sub: 'alice' }, { notBefore: '1h' }),
    ],
  ])('refuses %s with 401', async (_what, token) => {
    expectUnauthorized(await call('get', '/api/v1/jobs', bearer(token())));
  });

  it('refuses another scheme than Bearer with 401', async () => {
    expectUnauthorized(
      await call('get', '/api/v1/jobs', { Authorization: 'Basic YWxpY2U6c2VjcmV0' }),
    );
  });

  describe('one user never sees another user’s job', () => {
    const asBob = () => bearer(fx.token('bob'));

    it.each([
      ['read', 'get', ''],
      ['read the logs of', 'get', '/logs'],
      ['cancel', 'put', '/cancel'],
      ['retry', 'post', '/retry'],
    ] as const)(
      'bob cannot %s alice’s job: 404 as if it did not exist',
      async (_what, method, suffix) => {
        const res = await call(method, `/api/v1/jobs/${alicesJob}${suffix}`, asBob());
        expect(res.status).toBe(404);
        expect(body<ErrorBody>(res).error).toMatchObject({
          code: 'JOB_NOT_FOUND',
          message: `Job ${alicesJob} does not exist`,
        });
      },
    );

    it('bob’s list does not contain alice’s job, and bob’s attempts changed nothing', async () => {
      const list = body<Wire<JobListResponseDto>>(
        await call('get', '/api/v1/jobs', asBob()).expect(200),
      );
      expect(list).toEqual({ data: [], pagination: { page: 1, limit: 20, total: 0 } });
      const [row] = await fx.db.dataSource.query<
        { status: string; cancel_requested_at: Date | null }[]
      >(`SELECT status, cancel_requested_at FROM jobs WHERE id = $1`, [alicesJob]);
      expect(row).toEqual({ status: 'pending', cancel_requested_at: null });
    });

    it('an admin reads and cancels alice’s job', async () => {
      const admin = bearer(fx.token('ops', ['admin']));
      await call('get', `/api/v1/jobs/${alicesJob}`, admin).expect(200);
      const res = await call('put', `/api/v1/jobs/${alicesJob}/cancel`, admin);
      expect(res.status).toBe(200);
    });
  });

  describe('roles from the roles claim', () => {
    it.each([
      ['a string', 'admin'],
      ['an array', ['user', 'admin']],
      ['a space-separated string', 'user admin'],
    ])('accepts the admin role given as %s', async (_what, roles) => {
      await call('get', '/api/v1/jobs/stats/overview', bearer(fx.token('ops', roles))).expect(200);
    });

    it.each([
      ['no roles claim', undefined],
      ['an unknown role', ['superuser']],
      ['only the user role', 'user'],
    ])('refuses the admin endpoint with 403 for %s', async (_what, roles) => {
      const token = signToken(secret, { sub: 'mallory', ...(roles ? { roles } : {}) });
      const res = await call('get', '/api/v1/jobs/stats/overview', bearer(token));
      expect(res.status).toBe(403);
      expect(body<ErrorBody>(res).error).toEqual({
        code: 'FORBIDDEN',
        message: 'This needs the admin role',
        details: [],
      });
    });
  });

  describe('RS256 through a JWKS endpoint, with issuer, audience and a nested roles claim', () => {
    let idp: IdentityProvider;
    let app: NestFastifyApplication;
    const ISSUER = 'https://idp.example.test/';
    const AUDIENCE = 'jobqueue-api';
    const rs256 = (claims: object, key?: KeyObject, kid?: string) =>
      idp.sign({ iss: ISSUER, aud: AUDIENCE, ...claims }, { key, kid });
    const stats = (token: string) =>
      request(app.getHttpServer()).get('/api/v1/jobs/stats/overview').set(bearer(token));

    beforeAll(async () => {
      idp = await startIdentityProvider();
      app = await createApiApp({
        ...fx.config,
        auth: idp.auth(fx.config.auth, {
          issuer: ISSUER,
          audience: AUDIENCE,
          rolesClaim: 'realm_access.roles',
        }),
      });
      await app.listen(0, '127.0.0.1');
    });
    afterAll(async () => {
      await app.close();
      await idp.close();
    });

    it('accepts a token signed by the identity provider, with roles from a nested claim', async () => {
      await stats(rs256({ sub: 'ops', realm_access: { roles: ['admin'] } })).expect(200);
      await stats(rs256({ sub: 'dev', realm_access: { roles: ['developer'] } })).expect(403);
    });

    it.each([
      ['a wrong audience', () => rs256({ sub: 'ops', aud: 'another-api' })],
      ['a wrong issuer', () => rs256({ sub: 'ops', iss: 'https://evil.example.test/' })],
      [
        'another key under the same kid',
        () => rs256({ sub: 'ops' }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
      ],
      ['an unknown kid', () => rs256({ sub: 'ops' }, undefined, 'key-9')],
      [
        'an HS256 token (no shared secret is configured)',
        () => signToken(secret, { sub: 'ops', iss: ISSUER, aud: AUDIENCE }),
      ],
    ])('refuses %s with 401', async (_what, token) => {
      const res = await stats(token());
      expect(res.status).toBe(401);
      expect(body<ErrorBody>(res).error.code).toBe('UNAUTHORIZED');
    });
  });
});
