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
    /^.*(Invalid data found when processing input|moov atom not found|No such file or directory).*$/m.exec(
      stderr,
    );
  return {
    durationSeconds,
    hasVideo: /Stream #\d+:\d+.*: Video:/.test(stderr),
    problem: unreadable ? unreadable[1] : null,
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
  const { stderr } = await runFfmpeg(['-i', file], signal);
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
  const seek = ['-ss', String(offsetSeconds), '-i', file, '-frames:v', '1'];
  await runChecked([...seek, '-an', '-c:v', 'png', '-y', out], signal);
  if (await nonEmpty(out)) return true;
  const before = Math.max(0, offsetSeconds - 1);
  await runChecked(
    ['-ss', String(before), '-i', file, '-t', '1', '-an', '-update', '1', '-c:v', 'png', '-y', out],
    signal,
  );
  return nonEmpty(out);
}

async function runChecked(args: readonly string[], signal: AbortSignal): Promise<void> {
  const { code, stderr } = await runFfmpeg(['-loglevel', 'error', ...args], signal);
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}: ${stderr.trim().slice(-500)}`);
}

async function nonEmpty(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.size > 0,
    () => false,
  );
}
