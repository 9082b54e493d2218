import { spawnFromSource } from './spawn-from-source';

export interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an app's main.ts from source, as `node main.js` would, and waits for it to exit. */
export function runAppMain(
  app: 'api' | 'worker',
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<AppRun> {
  return new Promise((resolve, reject) => {
    const child = spawnFromSource(`apps/${app}/src/main.ts`, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
