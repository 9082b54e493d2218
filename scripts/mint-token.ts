/**
 * `npm run token -- --sub alice --role admin`: prints a development JWT for the api, signed
 * HS256 with JWT_SECRET (from the environment or .env, read through libs/config) and valid 12 h.
 *
 *   --sub <id>      the user (required); becomes jobs.user_id of the jobs created with the token
 *   --role <name>   a role to put in the JWT_ROLES_CLAIM claim (repeatable: user, admin)
 *   --ttl <span>    validity, e.g. 30m, 12h, 7d (default 12h)
 *
 * Only the token goes to stdout: `TOKEN=$(npm run -s token -- --sub alice)`.
 * Identity providers (JWT_JWKS_URL) sign their own tokens; this script is for HS256 only.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readEnv } from '@app/config';
import { sign, type SignOptions } from 'jsonwebtoken';
import { DEV_JWT_SECRET } from './dev-defaults';

function main(): void {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true, default: [] },
      ttl: { type: 'string', default: '12h' },
    },
  });
  if (!values.sub)
    throw new Error('usage: npm run token -- --sub <user> [--role admin] [--ttl 12h]');
  const env = readEnv();
  const { auth } = loadConfig({ JWT_SECRET: DEV_JWT_SECRET, ...env }, ['auth']);
  if (!auth.secret) throw new Error('JWT_SECRET is not set: this script signs HS256 tokens only');
  if (env.JWT_SECRET === undefined)
    process.stderr.write(
      'JWT_SECRET is unset: signing with the development secret of `npm start`\n',
    );
  const token = sign({ sub: values.sub, [auth.rolesClaim]: values.role }, auth.secret, {
    algorithm: 'HS256',
    expiresIn: values.ttl as SignOptions['expiresIn'],
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  });
  process.stdout.write(`${token}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(
    `${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
