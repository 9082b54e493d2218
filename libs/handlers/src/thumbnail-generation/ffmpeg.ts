import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';

/**
 * The ffmpeg binary: FFMPEG_PATH, else `ffmpeg` on PATH (Debian's package; a Lambda layer puts it
 * in /opt/bin, which is on Lambda's PATH). Read here rather than in libs/config because it
 * describes the machine image, like PATH itself, and Lambda functions do not load the app config.
 */
export function ffmpegBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.FFMPEG_PATH?.trim() || 'ffmpeg';
}

/**
 * How ffmpeg may open a source. Only local files: no network protocol (http, rtmp, tcp…), so a
 * crafted file cannot make the worker fetch URLs. Only these container demuxers, probed among
 * themselves: never playlists (hls, concat), image sequences or other demuxers that open further
 * files or URLs named inside the source.
 */
export const INPUT_PROTOCOLS = 'file';
export const INPUT_FORMATS = 'mov,matroska,webm,avi,mpegts,flv,ogg';

/** The options that open `file` as an input under those limits; use for every input. */
export function inputArgs(file: string): string[] {
  return ['-protocol_whitelist', INPUT_PROTOCOLS, '-format_whitelist', INPUT_FORMATS, '-i', file];
}

/** What ffmpeg says about an input file. */
export interface MediaInfo {
  /** Null when the container does not state it (e.g. some streamed formats). */
  durationSeconds: number | null;
  /** False for a file ffmpeg cannot read or one without a video stream. */
  hasVideo: boolean;
  /** ffmpeg's own explanation when it could not read the file at all. */
  problem: string | null;
}

/** Parses the stderr of `ffmpeg -i file` (no output given), which describes the input and its streams. */
export function parseMediaInfo(stderr: string): MediaInfo {
  const duration = /Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  const durationSeconds = duration
    ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])
    : null;
  const unreadable =
    /^.*(Invalid data found when processing input|moov atom not found|No such file or directory|Format not on whitelist).*$/m.exec(
      stderr,
    );
  return {
    durationSeconds,
    hasVideo: /Stream #\d+:\d+.*: Video:/.test(stderr),
    problem: !unreadable
      ? null
      : unreadable[1] === 'Format not on whitelist'
        ? `not one of the containers ${INPUT_FORMATS}`
        : unreadable[1],
  };
}

/** `count` offsets spread evenly inside the video (never at its very start or end), in ms steps. */
export function evenlySpacedOffsets(durationSeconds: number, count = 3): number[] {
  return Array.from({ length: count }, (_, i) =>
    roundMs((durationSeconds * (i + 1)) / (count + 1)),
  );
}

export const roundMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

interface RunResult {
  code: number | null;
  stderr: string;
}

/** Runs ffmpeg to completion; aborting `signal` kills it. Keeps the last 8 KB of stderr. */
export function runFfmpeg(args: readonly string[], signal: AbortSignal): Promise<RunResult> {
  const binary = ffmpegBinary();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['-hide_banner', '-nostdin', ...args], {
      signal,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new Error(`ffmpeg not found at "${binary}": install ffmpeg or set FFMPEG_PATH`));
      } else reject(error);
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Duration and video presence of a local file (`ffmpeg -i`, which exits 1 having printed them). */
export async function probe(file: string, signal: AbortSignal): Promise<MediaInfo> {
  const { stderr } = await runFfmpeg(inputArgs(file), signal);
  return parseMediaInfo(stderr);
}

/**
 * Writes the frame shown at `offsetSeconds` as a PNG to `out`. Input seeking lands on the frame
 * at or after the offset; an offset between the last frame and the stated duration has none, so
 * then the last frame of the second before it is taken. Returns false when there is no frame.
 */
export async function extractFrame(
  file: string,
  offsetSeconds: number,
  out: string,
  signal: AbortSignal,
): Promise<boolean> {
  const seek = ['-ss', String(offsetSeconds), ...inputArgs(file), '-frames:v', '1'];
  await runChecked([...seek, '-an', '-c:v', 'png', '-y', out], signal);
  if (await nonEmpty(out)) return true;
  const before = Math.max(0, offsetSeconds - 1);
  await runChecked(
    [
      '-ss',
      String(before),
      ...inputArgs(file),
      '-t',
      '1',
      '-an',
      '-update',
      '1',
      '-c:v',
      'png',
      '-y',
      out,
    ],
    signal,
  );
  return nonEmpty(out);
}

/**
 * Runs ffmpeg and throws when it fails. The job's owner reads a stable message; ffmpeg's stderr
 * (paths, codec internals) is the error's `cause`, for the worker's log.
 */
async function runChecked(args: readonly string[], signal: AbortSignal): Promise<void> {
  const { code, stderr } = await runFfmpeg(['-loglevel', 'error', ...args], signal);
  if (code !== 0) {
    const cause = new Error(`ffmpeg stderr: ${stderr.trim().slice(-500)}`);
    throw new Error(`ffmpeg could not extract a frame (exit code ${code})`, { cause });
  }
}

async function nonEmpty(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.size > 0,
    () => false,
  );
}
