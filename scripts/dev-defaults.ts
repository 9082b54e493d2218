import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { jwtSecretProblem } from '@app/config';

/** Where `npm start` keeps the development JWT secret it generated (git ignores .dev-data). */
const DEV_SECRET_FILE = path.resolve(__dirname, '../.dev-data/jwt-secret');

/**
 * The HS256 secret `npm start` gives the api, and `npm run token` signs with: JWT_SECRET when it
 * is set and strong; else (unset, or a placeholder such as `.env.example`'s, which the api
 * refuses) a random secret generated once per checkout and kept in .dev-data/jwt-secret.
 * `note` says which, for the console.
 */
export function devJwtSecret(configured: string | undefined): { secret: string; note?: string } {
  if (configured !== undefined && jwtSecretProblem(configured) === null)
    return { secret: configured };
  if (!existsSync(DEV_SECRET_FILE)) {
    mkdirSync(path.dirname(DEV_SECRET_FILE), { recursive: true });
    writeFileSync(DEV_SECRET_FILE, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  const why = configured === undefined ? 'JWT_SECRET is unset' : 'JWT_SECRET is a placeholder';
  return {
    secret: readFileSync(DEV_SECRET_FILE, 'utf8').trim(),
    note: `${why}: using the development secret in .dev-data/jwt-secret`,
  };
}
