import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { API_CONFIG_SECTIONS } from '../../apps/api/src/api.module';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { type ApiFixture, bearer, createApiFixture, signToken } from '../e2e/support/api-fixture';
import { type IdentityProvider, startIdentityProvider } from '../support/identity-provider';

/** The one answer to every refused token, whatever the reason. */
const REFUSED = {
  error: {
    code: 'UNAUTHORIZED',
    message: 'The bearer token is invalid or expired',
    details: [],
  },
};
const now = () => Math.floor(Date.now() / 1000);
const DAY = 86_400;
const ROOT = resolve(__dirname, '../..');

describe('security: identities are tokens that expire, from the issuer and for the audience we trust', () => {
  let fx: ApiFixture;
  let secret: string;
  let warnings: jest.SpyInstance;

  beforeAll(async () => {
    fx = await createApiFixture();
    secret = fx.config.auth.secret!;
  });
  afterAll(() => fx.close());
  beforeEach(() => {
    warnings = jest.spyOn(Logger.prototype, 'warn');
  });
  afterEach(() => warnings.mockRestore());

  /** Tries to create a job as an admin with `token`; returns the answer. */
  const createWith = (token: string, app = fx.app) =>
    request(app.getHttpServer())
      .post('/api/v1/jobs')
      .set(bearer(token))
      .send({ jobType: 'echo', payload: { message: 'should not exist' } });

  const logged = () =>
    (warnings.mock.calls as unknown[][]).map((call) => String(call[0])).join('\n');

  describe('HS256 tokens that never expire, or live too long, are refused', () => {
    it.each([
      ['a token without exp', () => sign({ sub: 'eve', roles: ['admin'] }, secret)],
      [
        'a token issued two days ago that is still unexpired',
        () => signToken(secret, { sub: 'eve', iat: now() - 2 * DAY, exp: now() + 3600 }),
      ],
      [
        'a token that expires in ten years',
        () => signToken(secret, { sub: 'eve', roles: ['admin'], exp: now() + 3650 * DAY }),
      ],
      [
        'a token dated in the future (iat) so that it would outlive the maximum age',
        () =>
          signToken(secret, { sub: 'eve', iat: now() + 3650 * DAY, exp: now() + 3650 * DAY + 60 }),
      ],
      ['a token without iat', () => signToken(secret, { sub: 'eve' }, { noTimestamp: true })],
    ])('%s: 401 with the generic answer, nothing written', async (_what, token) => {
      const res = await createWith(token());
      expect(res.status).toBe(401);
      expect(res.body).toEqual(REFUSED);
      expect(await fx.count('jobs')).toBe(0);
    });

    it('forgives a clock skew within JWT_CLOCK_TOLERANCE_SECONDS, not beyond', async () => {
      const expiredAgo = (s: number) =>
        signToken(secret, { sub: 'skewed', iat: now() - 600, exp: now() - s });
      expect((await createWith(expiredAgo(5))).status).toBe(202);
      expect((await createWith(expiredAgo(120))).status).toBe(401);
      expect(await fx.count('jobs', 'user_id = $1', ['skewed'])).toBe(1);
    });
  });

  it('says only "invalid or expired" to the client and logs the library’s reason', async () => {
    const forged = signToken('another-secret-Z9y8X7w6V5u4T3s2R1q0', { sub: 'eve' });
    const res = await createWith(forged);
    expect(res.body).toEqual(REFUSED);
    expect(res.text).not.toMatch(/signature/i);
    expect(logged()).toMatch(
      /token refused on POST \/api\/v1\/jobs: JsonWebTokenError: invalid signature/,
    );
  });

  describe('RS256 from an identity provider (JWKS)', () => {
    let idp: IdentityProvider;
    let app: NestFastifyApplication;
    const ISSUER = 'https://idp.example.test/';
    const AUDIENCE = 'jobqueue-api';

    beforeAll(async () => {
      idp = await startIdentityProvider();
      app = await createApiApp({
        ...fx.config,
        auth: idp.auth(fx.config.auth, { issuer: ISSUER, audience: AUDIENCE }),
      });
      await app.listen(0, '127.0.0.1');
    });
    afterAll(async () => {
      await app.close();
      await idp.close();
    });

    it.each([
      [
        'the provider signed for another app',
        { iss: ISSUER, aud: 'another-app' },
        /audience invalid/,
      ],
      ['without an audience', { iss: ISSUER }, /audience invalid/],
      ['by another issuer', { iss: 'https://evil.example.test/', aud: AUDIENCE }, /issuer invalid/],
    ])(
      'refuses an admin token %s with the generic answer; the reason is only in the log',
      async (_what, claims, reason) => {
        const res = await createWith(idp.sign({ sub: 'eve', roles: ['admin'], ...claims }), app);
        expect(res.status).toBe(401);
        expect(res.body).toEqual(REFUSED);
        expect(res.text).not.toContain(AUDIENCE);
        expect(res.text).not.toContain(ISSUER);
        expect(logged()).toMatch(reason);
        expect(await fx.count('jobs', 'user_id = $1', ['eve'])).toBe(0);
      },
    );

    it('accepts the provider’s token for this audience', async () => {
      const res = await createWith(idp.sign({ sub: 'ida', iss: ISSUER, aud: AUDIENCE }), app);
      expect(res.status).toBe(202);
    });
  });

  describe('start-up refuses identity settings an attacker could use', () => {
    const REQUIRED = {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/jobqueue',
      SQS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/q',
      SQS_DLQ_URL: 'http://127.0.0.1:4566/000000000000/dlq',
    };
    const problemsOf = (env: Record<string, string>): string[] => {
      try {
        loadConfig({ ...REQUIRED, ...env }, API_CONFIG_SECTIONS);
      } catch (error) {
        if (error instanceof ConfigError) return [...error.problems];
        throw error;
      }
      return [];
    };
    const shipped = {
      '.env.example': /^JWT_SECRET=(.+)$/m.exec(
        readFileSync(resolve(ROOT, '.env.example'), 'utf8'),
      )![1],
      'docker-compose.yml': /JWT_SECRET: \$\{JWT_SECRET:-([^}]+)\}/.exec(
        readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'),
      )![1],
    };

    it.each(Object.entries(shipped))('the JWT_SECRET shipped in %s', (_file, placeholder) => {
      const problems = problemsOf({ JWT_SECRET: placeholder });
      expect(problems).toEqual([expect.stringMatching(/^JWT_SECRET is a placeholder/)]);
      expect(problems.join()).not.toContain(placeholder);
    });

    it('a secret of a few repeated characters', () => {
      expect(problemsOf({ JWT_SECRET: 'ab'.repeat(20) })).toEqual([
        expect.stringMatching(/^JWT_SECRET is too weak/),
      ]);
    });

    it('JWKS over plain http to another host, or without issuer and audience', () => {
      expect(
        problemsOf({
          JWT_JWKS_URL: 'http://idp.example.com/jwks.json',
          JWT_ISSUER: 'https://idp.example.com/',
          JWT_AUDIENCE: 'jobqueue-api',
        }),
      ).toEqual([expect.stringMatching(/^JWT_JWKS_URL must use https/)]);
      expect(problemsOf({ JWT_JWKS_URL: 'https://idp.example.com/jwks.json' })).toEqual([
        'JWT_ISSUER must be set when JWT_JWKS_URL is set',
        'JWT_AUDIENCE must be set when JWT_JWKS_URL is set',
      ]);
    });
  });
});
