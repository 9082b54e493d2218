import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A short H.264 mp4 made by ffmpeg's test source (moving colour pattern), as bytes.
 * `seconds` long at 25 fps, `width`×`height`.
 */
export async function makeTestVideo(
  options: { seconds?: number; width?: number; height?: number } = {},
): Promise<Buffer> {
  const { seconds = 3, width = 640, height = 360 } = options;
  const dir = await mkdtemp(join(tmpdir(), 'video-fixture-'));
  try {
    const out = join(dir, 'out.mp4');
    await run(process.env.FFMPEG_PATH || 'ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=25`],
      ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
      out,
    ]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
