import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import { PermanentJobError } from '../permanent-job-error';

export type ManifestFormat = 'csv' | 'jsonl';

/** One line of a manifest: a job to create, or why the line cannot be one. */
export type ManifestEntry =
  { line: number; jobType: string; payload: unknown } | { line: number; error: string };

/** A line longer than this is refused without buffering more of it (a file with no newlines). */
const MAX_LINE_CHARS = 1_048_576;

/**
 * The lines of a manifest, one at a time (errors never quote the file: it may be anyone's data): the stream is read as the caller consumes, so memory
 * stays flat however long the file is. Blank lines are skipped; line numbers are the file's own
 * (1-based, a CSV header is line 1; a CSV record spanning lines has its last), so a rejected
 * line can be found in an editor.
 */
export function readManifest(
  input: Readable,
  format: ManifestFormat,
): AsyncGenerator<ManifestEntry> {
  return format === 'csv' ? readCsv(input) : readJsonLines(input);
}

/** `.csv` → csv, `.jsonl`/`.ndjson` → jsonl; anything else needs the payload's `format`. */
export function formatFromKey(key: string): ManifestFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  return null;
}

/** JSON Lines: each line an object `{"jobType": "...", "payload": {...}}`. */
async function* readJsonLines(input: Readable): AsyncGenerator<ManifestEntry> {
  let line = 0;
  for await (const raw of splitLines(input)) {
    line++;
    const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, error: 'invalid JSON' };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, error: 'not a JSON object' };
      continue;
    }
    const { jobType, payload } = value as Record<string, unknown>;
    yield toEntry(line, jobType, payload ?? {});
  }
}

/**
 * CSV with a header row naming (at least) the columns `jobType` and `payload`; the payload cell
 * holds JSON (quote it: `"{""message"":""hi""}"`). A row with the wrong number of cells is
 * rejected; broken quoting is not recoverable (the rest of the file cannot be trusted), so it
 * fails the import permanently, naming the line.
 */
async function* readCsv(input: Readable): AsyncGenerator<ManifestEntry> {
  const parser = input.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  input.once('error', (error) => parser.destroy(error));
  let header: { width: number; jobType: number; payload: number } | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = readHeader(record);
        continue;
      }
      if (record.length !== header.width) {
        yield {
          line: info.lines,
          error: `expected ${header.width} fields as in the header, got ${record.length}`,
        };
        continue;
      }
      const cell = record[header.payload].trim();
      let payload: unknown = {};
      if (cell !== '') {
        try {
          payload = JSON.parse(cell);
        } catch {
          yield { line: info.lines, error: 'invalid JSON in payload' };
          continue;
        }
      }
      yield toEntry(info.lines, record[header.jobType].trim(), payload);
    }
  } catch (error) {
    if (isCsvSyntaxError(error)) {
      // csv-parse's message quotes the file; the code and the line say enough
      const { code, lines } = error as { code?: string; lines?: number };
      throw new PermanentJobError(
        `manifest is not valid CSV at line ${lines ?? '?'} (${code ?? 'CSV_ERROR'})`,
      );
    }
    throw error;
  }
}

const isCsvSyntaxError = (error: unknown): error is Error =>
  error instanceof Error && /^CSV_/.test(String((error as { code?: unknown }).code));

function readHeader(cells: string[]): { width: number; jobType: number; payload: number } {
  const names = cells.map((c) => c.trim());
  const jobType = names.indexOf('jobType');
  const payload = names.indexOf('payload');
  if (jobType < 0 || payload < 0) {
    throw new PermanentJobError('manifest CSV header must name the columns jobType and payload');
  }
  return { width: cells.length, jobType, payload };
}

function toEntry(line: number, jobType: unknown, payload: unknown): ManifestEntry {
  if (typeof jobType !== 'string' || jobType === '') {
    return { line, error: 'jobType is missing' };
  }
  return { line, jobType, payload };
}

/** UTF-8 text lines of a byte stream (`\n` or `\r\n`), without holding more than one line. */
async function* splitLines(input: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input as AsyncIterable<Buffer>) {
    rest += decoder.write(chunk);
    let start = 0;
    let end: number;
    while ((end = rest.indexOf('\n', start)) >= 0) {
      yield stripCr(rest.slice(start, end));
      start = end + 1;
    }
    rest = rest.slice(start);
    if (rest.length > MAX_LINE_CHARS) {
      throw new PermanentJobError(`manifest has a line longer than ${MAX_LINE_CHARS} characters`);
    }
  }
  rest += decoder.end();
  if (rest !== '') yield stripCr(rest);
}

const stripCr = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);
