import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../config.error';
import { loadConfig } from '../load-config';
import { jwtSecretProblem } from './auth.config';

const STRONG = 'q7Vt2mXc9LpR4sWz8KdN3hFb6YgJ0aEu';
const JWKS = {
  JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  JWT_ISSUER: 'https://idp.example.com/',
  JWT_AUDIENCE: 'jobqueue-api',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, ['auth']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('auth configuration', () => {
  it('defaults the token age to a day and the clock tolerance to 30 s', () => {
    expect(loadConfig({ JWT_SECRET: STRONG }, ['auth']).auth).toMatchObject({
      maxAgeSeconds: 86_400,
      clockToleranceSeconds: 30,
    });
  });

  it.each([
    ['the .env.example placeholder', 'change-me-to-a-long-random-secret-of-32-chars'],
    ['the docker-compose default', 'compose-development-secret-not-for-production'],
    ['one repeated character', 'x'.repeat(40)],
    ['a few repeated characters', 'abcabcabcabcabcabcabcabcabcabcabc'],
  ])('refuses %s as JWT_SECRET, naming the variable', (_what, secret) => {
    const problems = problemsOf({ JWT_SECRET: secret });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^JWT_SECRET /);
    expect(problems[0]).not.toContain(secret);
  });

  it('accepts a random secret', () => {
    expect(jwtSecretProblem(STRONG)).toBeNull();
    expect(problemsOf({ JWT_SECRET: STRONG })).toEqual([]);
  });

  it('refuses the secrets that ship in .env.example and docker-compose.yml', () => {
    const root = resolve(__dirname, '../../../..');
    const example = /^JWT_SECRET=(.*)$/m.exec(readFileSync(resolve(root, '.env.example'), 'utf8'));
    const compose = /JWT_SECRET: \$\{JWT_SECRET:-([^}]*)\}/.exec(
      readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'),
    );
    for (const shipped of [example?.[1], compose?.[1]]) {
      expect(typeof shipped).toBe('string'); // the file still names a secret
      expect(jwtSecretProblem(shipped!)).toMatch(/^JWT_SECRET /);
    }
  });

  it('with JWKS, requires https (loopback http aside), an issuer and an audience', () => {
    expect(problemsOf(JWKS)).toEqual([]);
    expect(problemsOf({ ...JWKS, JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks.json' })).toEqual([]);
    expect(problemsOf({ ...JWKS, JWT_JWKS_URL: 'http://localhost:8080/jwks.json' })).toEqual([]);
    expect(problemsOf({ ...JWKS, JWT_JWKS_URL: 'http://idp.example.com/jwks.json' })).toEqual([
      'JWT_JWKS_URL must use https (plain http is allowed for 127.0.0.1, ::1 and localhost only)',
    ]);
    expect(problemsOf({ JWT_JWKS_URL: JWKS.JWT_JWKS_URL })).toEqual([
      'JWT_ISSUER must be set when JWT_JWKS_URL is set',
      'JWT_AUDIENCE must be set when JWT_JWKS_URL is set',
    ]);
  });

  it('bounds the token age and the clock tolerance', () => {
    expect(problemsOf({ JWT_SECRET: STRONG, JWT_MAX_AGE_SECONDS: '10' })[0]).toMatch(
      /^JWT_MAX_AGE_SECONDS must not be less than 60/,
    );
    expect(problemsOf({ JWT_SECRET: STRONG, JWT_CLOCK_TOLERANCE_SECONDS: '3600' })[0]).toMatch(
      /^JWT_CLOCK_TOLERANCE_SECONDS must not be greater than 300/,
    );
  });
});
