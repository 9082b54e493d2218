// Reading processes' CPU time from /proc (Linux), shared by the CPU accounting in common.mjs and
// the PostgreSQL attribution in pg-cpu.mjs.
import fs from 'node:fs';

/** Ticks per second of the /proc/<pid>/stat times (getconf CLK_TCK on Debian x86_64). */
export const CLK_TCK = 100;

/** Fields of /proc/<pid>/stat, or null once the process is gone. Times are in ticks. */
export function readProcStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state); field k is f[k-3]
    return {
      ppid: Number(f[1]),
      utime: Number(f[11]),
      stime: Number(f[12]),
      cutime: Number(f[13]),
      cstime: Number(f[14]),
      // with the pid, tells a process from a later one that reuses its pid
      starttime: f[19],
    };
  } catch {
    return null;
  }
}

/** The command line as `ps` shows it (a PostgreSQL child: its process title), or null. */
export function readTitle(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
  } catch {
    return null;
  }
}

/** Direct children of `pid` (its main thread's list; a postmaster is single-threaded). */
export function childPids(pid) {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
