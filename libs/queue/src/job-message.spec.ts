import { decodeJobMessage, encodeJobMessage, MAX_JOBS_PER_MESSAGE } from './job-message';

const ID = '3f2b8c1e-9a4d-4e8f-b1c2-7d6e5f4a3b2c';
const OTHER = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('job messages', () => {
  it('round-trips one job id and attempt and nothing else', () => {
    const body = encodeJobMessage([{ jobId: ID, attempt: 3 }]);
    expect(JSON.parse(body)).toEqual({ v: 1, jobId: ID, attempt: 3 });
    expect(decodeJobMessage(body)).toEqual([{ jobId: ID, attempt: 3 }]);
  });

  it('round-trips several jobs in one message, in order', () => {
    const jobs = [
      { jobId: ID, attempt: 1 },
      { jobId: OTHER, attempt: 2 },
    ];
    const body = encodeJobMessage(jobs);
    expect(JSON.parse(body)).toEqual({
      v: 2,
      jobs: [
        [ID, 1],
        [OTHER, 2],
      ],
    });
    expect(decodeJobMessage(body)).toEqual(jobs);
  });

  it(`refuses to announce no job or more than ${MAX_JOBS_PER_MESSAGE}`, () => {
    expect(() => encodeJobMessage([])).toThrow('1 to 10 jobs, not 0');
    const many = Array.from({ length: MAX_JOBS_PER_MESSAGE + 1 }, () => ({
      jobId: ID,
      attempt: 1,
    }));
    expect(() => encodeJobMessage(many)).toThrow('not 11');
  });

  it.each([
    ['not JSON', 'hello'],
    ['no body', undefined],
    ['another version', JSON.stringify({ v: 3, jobId: ID })],
    ['a job id that is not a uuid', JSON.stringify({ v: 1, jobId: "1' OR 1=1" })],
    ['a payload instead of an id', JSON.stringify({ v: 1, payload: {} })],
    [
      'a list holding one bad id',
      JSON.stringify({
        v: 2,
        jobs: [
          [ID, 1],
          ['nope', 1],
        ],
      }),
    ],
    ['an empty list', JSON.stringify({ v: 2, jobs: [] })],
    ['a list too long', JSON.stringify({ v: 2, jobs: Array.from({ length: 11 }, () => [ID, 1]) })],
  ])('rejects %s as a poison message', (_what, body) => {
    expect(decodeJobMessage(body)).toBeUndefined();
  });

  it('defaults a missing attempt to 1', () => {
    expect(decodeJobMessage(JSON.stringify({ v: 1, jobId: ID }))).toEqual([
      { jobId: ID, attempt: 1 },
    ]);
  });
});
