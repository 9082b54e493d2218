// PostgreSQL's CPU from /proc, split by who spent it. Every process of the server is a child of
// the postmaster, and its process title (update_process_title, on by default) says what it is:
// a backend names its database ("postgres: 15/main: postgres jq_bench 127.0.0.1(40848) idle"),
// a server process its role ("postgres: 15/main: checkpointer").
//
// Counted for the benchmark: the postmaster, the backends of this campaign's databases (named
// after JQ_BENCH_DB, set by bench/run.mjs per checkout; jq_bench* without it),
// the server's own processes (checkpointer, background writer, walwriter, autovacuum, ...: their
// work follows from the writes), and `unseen` CPU (below). Backends of other databases belong to
// other tenants of a shared server: reported apart (`other_db`), never counted.
//
// Live children are read at both ends of a window. A child that exits is reaped by the postmaster,
// which adds its whole CPU time to its own cutime; a 50 ms sampler (two small reads) watches the
// children list and that counter, so each jump is charged to the children that vanished with it.
// A child that lived and died between two samples cannot be named: `unseen`.
import fs from 'node:fs';
import { CLK_TCK, childPids, readProcStat, readTitle } from './proc-stat.mjs';

/** Databases whose backends are the benchmark's own: this campaign's (see bench-env.ts). */
const BENCH_DB_PREFIX = process.env.JQ_BENCH_DB ?? 'jq_bench';
const SAMPLE_MS = 50;
/** `<user> <database> <host>(<port>)` or `[local]`: a client backend's title. */
const CLIENT = /(\S+) (\S+) (?:\S+\(\d+\)|\[local\])(?:\s|$)/;
/** Server processes by title (PostgreSQL 13-18); a title starting otherwise is a client backend. */
const SERVER_ROLE =
  /^(checkpointer|background writer|walwriter|autovacuum launcher|autovacuum worker|logical replication \w+(?: worker)?|archiver|stats collector|startup|walreceiver|walsender|walsummarizer|slotsync worker|io worker|parallel worker|background worker)/;

/**
 * What a postmaster child is: { cls: 'bench' | 'other_db' | 'server' | 'starting', role }.
 * A just-forked child still carries the postmaster's own command line: 'starting', asked again.
 */
export function classify(title) {
  const m = /^postgres: (?:\S+: )?(.*)$/.exec(title ?? '');
  if (!m) return { cls: 'starting', role: null };
  const server = SERVER_ROLE.exec(m[1]);
  if (server) return { cls: 'server', role: server[1] };
  const client = CLIENT.exec(m[1]);
  if (!client) return { cls: 'server', role: m[1].split(/\s+/).slice(0, 3).join(' ') };
  return { cls: client[2].startsWith(BENCH_DB_PREFIX) ? 'bench' : 'other_db', role: client[2] };
}

const ticksOf = (st) => st.utime + st.stime + st.cutime + st.cstime;
const reapedOf = (st) => st.cutime + st.cstime;

/** One server being watched: its children by pid, and what was charged to exits so far. */
class Watch {
  constructor(postmaster) {
    this.postmaster = postmaster;
    /** pid → { key: pid:starttime, cls, role } */
    this.children = new Map();
    /** Exits in order: { seq, key, cls, role, final } (final: ticks, reaped children included). */
    this.exits = [];
    this.seq = 0;
    this.unseen = 0;
    this.vanished = [];
    this.reaped = reapedOf(readProcStat(postmaster) ?? { cutime: 0, cstime: 0 });
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS).unref();
  }

  /** The child `pid`, named (its title is read again while it still says 'starting'). */
  know(pid, st) {
    let c = this.children.get(pid);
    const key = `${pid}:${st?.starttime}`;
    if (!c || c.key !== key || c.cls === 'starting') {
      c = { key, ...classify(readTitle(pid)) };
      this.children.set(pid, c);
    }
    return c;
  }

  sample() {
    const st = readProcStat(this.postmaster);
    const pids = new Set(childPids(this.postmaster));
    if (!st) return;
    for (const pid of pids) {
      const c = this.children.get(pid);
      if (!c || c.cls === 'starting') this.know(pid, readProcStat(pid));
    }
    for (const [pid, c] of this.children)
      if (!pids.has(pid)) {
        this.children.delete(pid);
        this.vanished.push(c);
      }
    const jump = reapedOf(st) - this.reaped;
    this.reaped = reapedOf(st);
    if (jump <= 0) return; // a vanished child whose reaping shows in the next sample stays queued
    if (this.vanished.length === 0) {
      this.unseen += jump;
      return;
    }
    // several exits in one sample: shared equally (each is charged once, at its reaping)
    const share = jump / this.vanished.length;
    for (const c of this.vanished) this.exits.push({ seq: ++this.seq, ...c, final: share });
    this.vanished = [];
  }
}

const watches = new Map();

/** A point-in-time reading of the server rooted at `postmaster`, or null without one. */
export function pgSnapshot(postmaster) {
  if (!postmaster || !readProcStat(postmaster)) return null;
  let w = watches.get(postmaster);
  if (!w) watches.set(postmaster, (w = new Watch(postmaster)));
  w.sample();
  const root = readProcStat(postmaster);
  if (!root) return null;
  // live children from a full /proc scan (the children list can miss one being forked)
  const live = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readProcStat(d);
    if (st?.ppid === postmaster) {
      const c = w.know(Number(d), st);
      live.set(c.key, { ...c, ticks: ticksOf(st) });
    }
  }
  return {
    own: root.utime + root.stime,
    reaped: reapedOf(root),
    live,
    seq: w.seq,
    unseen: w.unseen,
    exits: w.exits,
  };
}

/** Live backends of other databases: pid → ticks (other tenants, for the quiet gate). */
export function otherDbTicks(postmaster) {
  const out = new Map();
  if (!postmaster) return out;
  for (const pid of childPids(postmaster)) {
    const st = readProcStat(pid);
    if (st?.ppid !== postmaster) continue;
    const c = classify(readTitle(pid));
    if (c.cls === 'other_db') out.set(pid, ticksOf(st));
  }
  return out;
}

/**
 * CPU between two snapshots of one server, in ticks: `counted` (bench + server + unseen), the
 * parts, the server processes by role (postmaster included) and the bench backends by database.
 */
export function pgDeltaTicks(a, b) {
  const sum = (m) => [...m.values()].reduce((s, c) => s + c.ticks, 0);
  const total = b.own + b.reaped + sum(b.live) - (a.own + a.reaped + sum(a.live));
  const parts = { bench: 0, server: b.own - a.own, other_db: 0, unseen: 0 };
  const roles = { postmaster: b.own - a.own };
  const dbs = {};
  const charge = (c, ticks) => {
    const cls = c.cls === 'starting' ? 'unseen' : c.cls;
    parts[cls] += ticks;
    if (cls === 'server') roles[c.role] = (roles[c.role] ?? 0) + ticks;
    if (cls === 'bench') dbs[c.role] = (dbs[c.role] ?? 0) + ticks;
  };
  for (const [key, c] of b.live) charge(c, c.ticks - (a.live.get(key)?.ticks ?? 0));
  for (const e of b.exits) {
    if (e.seq <= a.seq || e.seq > b.seq || b.live.has(e.key)) continue;
    charge(e, e.final - (a.live.get(e.key)?.ticks ?? 0));
  }
  // what no named child accounts for: exits between samples, and rounding of shared jumps
  parts.unseen = total - parts.bench - parts.server - parts.other_db;
  return { total, counted: parts.bench + parts.server + parts.unseen, parts, roles, dbs };
}

/** Milliseconds of CPU for `ticks` (to 0.1 ms: an exit shared by several children splits ticks). */
export const ticksToMs = (ticks) => Math.round((ticks * 10000) / CLK_TCK) / 10;

/**
 * PostgreSQL CPU ms per job of one record (or of `cpu` over `n` jobs): `cpu.postgres_ms` ÷ n,
 * i.e. pg% (of one core) × the CPU window's seconds × 10 ÷ n. Records written before
 * `postgres_ms` existed are computed from pg% and the phase's `seconds`.
 */
export function pgMsPerJob(r, cpu = r.cpu, n = r.n) {
  if (!n || cpu?.postgres == null) return null;
  const ms = cpu.postgres_ms ?? (r.seconds ? cpu.postgres * r.seconds * 10 : null);
  return ms == null ? null : Math.round((ms / n) * 1000) / 1000;
}
