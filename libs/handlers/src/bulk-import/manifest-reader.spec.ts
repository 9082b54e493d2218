import { Readable } from 'node:stream';
import { PermanentJobError } from '../permanent-job-error';
import { formatFromKey, type ManifestEntry, readManifest } from './manifest-reader';

/** The manifest as a stream of the given chunks (to cut lines and characters anywhere). */
const stream = (...chunks: (string | Buffer)[]): Readable =>
  Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));

async function entries(input: Readable, format: 'csv' | 'jsonl'): Promise<ManifestEntry[]> {
  const all: ManifestEntry[] = [];
  for await (const entry of readManifest(input, format)) all.push(entry);
  return all;
}

describe('readManifest: JSON Lines', () => {
  it('numbers lines as the file does, skipping blank ones, across chunk boundaries and CRLF', async () => {
    const got = await entries(
      stream('\uFEFF{"jobType":"a","payload":{"n":1}}\r\n\n  \n{"jobType":"b",', '"payload":{}}\n'),
      'jsonl',
    );
    expect(got).toEqual([
      { line: 1, jobType: 'a', payload: { n: 1 } },
      { line: 4, jobType: 'b', payload: {} },
    ]);
  });

  it('keeps a multi-byte character that a chunk boundary cuts in two', async () => {
    const bytes = Buffer.from('{"jobType":"a","payload":{"t":"héllo"}}');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of é
    const got = await entries(stream(bytes.subarray(0, cut), bytes.subarray(cut)), 'jsonl');
    expect(got).toEqual([{ line: 1, jobType: 'a', payload: { t: 'héllo' } }]);
  });

  it('reports bad JSON, non-objects and a missing jobType per line, and defaults payload to {}', async () => {
    const got = await entries(
      stream('{"jobType":"a"}\n{oops\n[1,2]\n{"payload":{}}\n{"jobType":""}\n'),
      'jsonl',
    );
    expect(got).toEqual([
      { line: 1, jobType: 'a', payload: {} },
      { line: 2, error: 'invalid JSON' },
      { line: 3, error: 'not a JSON object' },
      { line: 4, error: 'jobType is missing' },
      { line: 5, error: 'jobType is missing' },
    ]);
  });
});

describe('readManifest: CSV', () => {
  it('reads quoted JSON payloads, numbering a record that spans lines by its last one', async () => {
    const csv =
      'id,jobType,payload\r\n' +
      '1,a,"{""n"":1}"\r\n' +
      '\r\n' +
      '2,b,"{\n  ""text"": ""two lines""\n}"\r\n' +
      '3,c,\r\n';
    expect(await entries(stream(csv), 'csv')).toEqual([
      { line: 2, jobType: 'a', payload: { n: 1 } },
      { line: 6, jobType: 'b', payload: { text: 'two lines' } },
      { line: 7, jobType: 'c', payload: {} },
    ]);
  });

  it('rejects a row with the wrong number of fields, bad payload JSON or no jobType', async () => {
    const csv = 'jobType,payload\na\na,{},extra\nb,{nope\n,{}\nc,"{}"\n';
    expect(await entries(stream(csv), 'csv')).toEqual([
      { line: 2, error: 'expected 2 fields as in the header, got 1' },
      { line: 3, error: 'expected 2 fields as in the header, got 3' },
      { line: 4, error: 'invalid JSON in payload' },
      { line: 5, error: 'jobType is missing' },
      { line: 6, jobType: 'c', payload: {} },
    ]);
  });

  it('fails permanently without the jobType and payload columns, without quoting the header', async () => {
    await expect(entries(stream('type,secret-token\na,{}\n'), 'csv')).rejects.toThrow(
      new PermanentJobError('manifest CSV header must name the columns jobType and payload'),
    );
  });

  it('fails permanently on broken quoting, naming the line', async () => {
    const error = (await entries(stream('jobType,payload\na,{}\na,"{}"x\n'), 'csv').catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toBe('manifest is not valid CSV at line 3 (CSV_INVALID_CLOSING_QUOTE)');
  });
});

describe('formatFromKey', () => {
  it.each([
    ['imports/a.csv', 'csv'],
    ['a.CSV', 'csv'],
    ['a.jsonl', 'jsonl'],
    ['a.ndjson', 'jsonl'],
    ['a.json', null],
    ['manifest', null],
  ])('%s → %s', (key, format) => expect(formatFromKey(key)).toBe(format));
});
