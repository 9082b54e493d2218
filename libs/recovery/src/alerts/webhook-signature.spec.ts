import { hmacSha256Hex, signWebhook, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'whsec-test-0123456789';
const BODY = '{"event":"job.dead_lettered","jobId":"3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c"}';
const TS = 1_767_225_600; // 2026-01-01T00:00:00Z

describe('webhook signature', () => {
  it('computes HMAC-SHA256 as RFC 4231 test case 2 says', () => {
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('signs "<timestamp>.<raw body>" (vector computed with openssl dgst -sha256 -hmac)', () => {
    expect(signWebhook(BODY, SECRET, TS)).toEqual({
      timestamp: '1767225600',
      signature: 'sha256=d2a76e0709f03320f005eb6b6a3d884d8ef154114716fed400869250e515ae9f',
    });
  });

  it('truncates a fractional timestamp to whole seconds', () => {
    expect(signWebhook(BODY, SECRET, TS + 0.999)).toEqual(signWebhook(BODY, SECRET, TS));
  });

  const valid = () => ({
    rawBody: BODY,
    secret: SECRET,
    ...signWebhook(BODY, SECRET, TS),
    nowSeconds: TS + 10,
  });

  it('accepts its own signature within the tolerance', () => {
    expect(verifyWebhookSignature(valid())).toBe(true);
  });

  it.each([
    ['a changed body', { rawBody: BODY.replace('dead', 'live') }],
    ['another secret', { secret: 'another-secret-0123456789' }],
    ['a timestamp moved forward (replay with a fresh timestamp)', { timestamp: String(TS + 60) }],
    ['a request older than five minutes (replay)', { nowSeconds: TS + 301 }],
    ['a timestamp from the future', { nowSeconds: TS - 301 }],
    ['a missing signature', { signature: undefined }],
    ['a signature without the sha256= prefix', { signature: 'd2a76e07' }],
    ['a truncated signature', { signature: 'sha256=d2a76e07' }],
    ['a non-numeric timestamp', { timestamp: '2026-01-01' }],
  ])('rejects %s', (_what, change) => {
    expect(verifyWebhookSignature({ ...valid(), ...change })).toBe(false);
  });
});
