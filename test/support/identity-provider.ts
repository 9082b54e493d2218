import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthConfig } from '@app/config';
import { sign } from 'jsonwebtoken';

export interface IdentityProvider {
  /** Its JWKS endpoint, plain http on loopback (the only http the api accepts). */
  jwksUrl: string;
  /** An RS256 token valid 5 minutes, signed with `key` (default: the provider's) under `kid` (default: key-1). */
  sign(claims: object, options?: { key?: KeyObject; kid?: string }): string;
  /** `base` trusting this provider only (no shared secret) for `issuer` and `audience`. */
  auth(
    base: AuthConfig,
    trust: Pick<AuthConfig, 'issuer' | 'audience'> & Partial<AuthConfig>,
  ): AuthConfig;
  close(): Promise<void>;
}

/** A stand-in identity provider: one RSA key, published as key-1 on a JWKS endpoint. */
export async function startIdentityProvider(): Promise<IdentityProvider> {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...pair.publicKey.export({ format: 'jwk' }),
    kid: 'key-1',
    alg: 'RS256',
    use: 'sig',
  };
  const server: Server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  return {
    jwksUrl,
    sign: (claims, { key = pair.privateKey, kid = 'key-1' } = {}) =>
      sign(claims, key.export({ format: 'pem', type: 'pkcs8' }), {
        algorithm: 'RS256',
        keyid: kid,
        expiresIn: '5m',
      }),
    auth: (base, trust) => ({ ...base, secret: undefined, jwksUrl, ...trust }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
