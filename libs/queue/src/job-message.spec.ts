import { decodeJobMessage, encodeJobMessage } from './job-message';

const ID = '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c';

describe('job messages', () => {
  it('round-trips the job id and attempt and nothing else', () => {
    const body = encodeJobMessage({ jobId: ID, attempt: 3 });
    expect(JSON.parse(body)).toEqual({ v: 1, jobId: ID, attempt: 3 });
    expect(decodeJobMessage(body)).toEqual({ jobId: ID, attempt: 3 });
  });

  it.each([
    ['not JSON', 'hello'],
    ['no body', undefined],
    ['another version', JSON.stringify({ v: 2, jobId: ID })],
    ['a job id that is not a uuid', JSON.stringify({ v: 1, jobId: "1' OR 1=1" })],
    ['a payload instead of an id', JSON.stringify({ v: 1, payload: {} })],
  ])('rejects %s as a poison message', (_what, body) => {
    expect(decodeJobMessage(body)).toBeUndefined();
  });

  it('defaults a missing attempt to 1', () => {
    expect(decodeJobMessage(JSON.stringify({ v: 1, jobId: ID }))).toEqual({
      jobId: ID,
      attempt: 1,
    });
  });
});
