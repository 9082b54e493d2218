import { evenlySpacedOffsets, ffmpegBinary, parseMediaInfo, roundMs } from './ffmpeg';
import { thumbnailKey } from './thumbnail-generation.handler';

const MP4_INFO = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'source':
  Duration: 01:02:03.50, start: 0.000000, bitrate: 735 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 640x360, 25 fps
At least one output file must be specified`;

const AUDIO_ONLY = `Input #0, mp3, from 'source':
  Duration: 00:00:10.00, start: 0.025057, bitrate: 128 kb/s
  Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 128 kb/s`;

const GARBAGE = `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55] Format mov,mp4,m4a,3gp,3g2,mj2 detected only with low score of 1, misdetection possible!
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55] moov atom not found
source: Invalid data found when processing input`;

describe('parseMediaInfo', () => {
  it('reads the duration and sees the video stream', () => {
    expect(parseMediaInfo(MP4_INFO)).toEqual({
      durationSeconds: 3723.5,
      hasVideo: true,
      problem: null,
    });
  });

  it('notices a file without a video stream', () => {
    expect(parseMediaInfo(AUDIO_ONLY)).toEqual({
      durationSeconds: 10,
      hasVideo: false,
      problem: null,
    });
  });

  it("quotes ffmpeg's reason for a file it cannot read", () => {
    expect(parseMediaInfo(GARBAGE)).toEqual({
      durationSeconds: null,
      hasVideo: false,
      problem: 'moov atom not found',
    });
  });

  it('gives no duration when the container states N/A', () => {
    expect(
      parseMediaInfo('  Duration: N/A, bitrate: N/A\n  Stream #0:0: Video: h264').durationSeconds,
    ).toBeNull();
  });
});

describe('evenlySpacedOffsets', () => {
  it('spreads frames inside the video, away from its first and last frame', () => {
    expect(evenlySpacedOffsets(3)).toEqual([0.75, 1.5, 2.25]);
    expect(evenlySpacedOffsets(10, 4)).toEqual([2, 4, 6, 8]);
  });

  it('rounds to whole milliseconds, so keys stay short', () => {
    expect(evenlySpacedOffsets(1, 2)).toEqual([0.333, 0.667]);
    expect(roundMs(1.23456)).toBe(1.235);
  });
});

describe('thumbnailKey', () => {
  it('is <prefix><offset>s-<width>w.<ext>, with .jpg for jpeg', () => {
    expect(thumbnailKey('thumbnails/j1/', 1.5, 320, 'jpeg')).toBe('thumbnails/j1/1.5s-320w.jpg');
    expect(thumbnailKey('ep-', 0, 1280, 'webp')).toBe('ep-0s-1280w.webp');
  });
});

describe('ffmpegBinary', () => {
  it('is FFMPEG_PATH when set, else ffmpeg from PATH', () => {
    expect(ffmpegBinary({ FFMPEG_PATH: '/opt/bin/ffmpeg' })).toBe('/opt/bin/ffmpeg');
    expect(ffmpegBinary({ FFMPEG_PATH: ' ' })).toBe('ffmpeg');
    expect(ffmpegBinary({})).toBe('ffmpeg');
  });
});
