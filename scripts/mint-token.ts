/**
 * `npm run token -- --sub alice --role admin`: prints a development JWT for the api, signed
 * HS256 with JWT_SECRET (from the environment or .env, read through libs/config; when it is unset
 * or a placeholder, with the development secret `npm start` uses) and valid 12 h.
 *
 *   --sub <id>      the user (required); becomes jobs.user_id of the jobs created with the token
 *   --role <name>   a role to put in the JWT_ROLES_CLAIM claim (repeatable: user, admin, viewer)
 *   --ttl <span>    validity, e.g. 30m, 12h, 7d (default 12h)
 *
 * Only the token goes to stdout: `TOKEN=$(npm run -s token -- --sub alice)`.
 * Identity providers (JWT_JWKS_URL) sign their own tokens; this script is for HS256 only.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readEnv } from '@app/config';
import { decode, type JwtPayload, sign, type SignOptions } from 'jsonwebtoken';
import { devJwtSecret } from './dev-defaults';

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
  const jwt = devJwtSecret(env.JWT_SECRET);
  const { auth } = loadConfig({ ...env, JWT_SECRET: jwt.secret }, ['auth']);
  if (!auth.secret) throw new Error('JWT_SECRET is not set: this script signs HS256 tokens only');
  if (jwt.note) process.stderr.write(`${jwt.note} (the one \`npm start\` uses)\n`);
  const token = sign({ sub: values.sub, [auth.rolesClaim]: values.role }, auth.secret, {
    algorithm: 'HS256',
    expiresIn: values.ttl as SignOptions['expiresIn'],
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  });
  const { exp, iat } = decode(token) as JwtPayload;
  if (exp! - iat! > auth.maxAgeSeconds)
    throw new Error(
      `--ttl ${values.ttl} is longer than JWT_MAX_AGE_SECONDS (${auth.maxAgeSeconds} s): the api would refuse the token`,
    );
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
