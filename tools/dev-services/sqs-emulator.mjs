#!/usr/bin/env node
// Local SQS + S3 emulator (fauxqs) bound to loopback only.
//
//   node tools/dev-services/sqs-emulator.mjs [--port N]    (default 0 = ephemeral port)
//
// Prints exactly one line to stdout once listening:
//   {"event":"ready","endpoint":"http://127.0.0.1:PORT"}
// Exits on SIGTERM/SIGINT, and when its parent goes away (stdin pipe closes or
// the parent pid changes) so a killed test run leaves no orphan emulator.
import { fstatSync } from 'node:fs';
import { buildApp } from 'fauxqs';

const HOST = '127.0.0.1';
const PARENT_POLL_MS = 500;
const CLOSE_GRACE_MS = 3000;

function parsePort(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let raw;
    if (arg === '--port') raw = argv[i + 1];
    else if (arg.startsWith('--port=')) raw = arg.slice('--port='.length);
    else continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`sqs-emulator: invalid --port ${JSON.stringify(raw)}\n`);
      process.exit(2);
    }
    return port;
  }
  return 0;
}

// Only watch stdin when it is a pipe/socket from a parent: a TTY never ends and
// /dev/null would end at once.
function stdinIsPipe() {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

// fauxqs' own logger is a per-request pino logger; keep it off.
const app = buildApp({ logger: false });

let shuttingDown = false;
async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  // app.close() resolves pending long polls (preClose hook) and force-closes sockets;
  // the timer only guards against a hang.
  setTimeout(() => process.exit(code), CLOSE_GRACE_MS).unref();
  try {
    await app.close();
  } catch (err) {
    process.stderr.write(`sqs-emulator: close failed: ${err?.stack ?? err}\n`);
  }
  process.exit(code);
}

process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));

const initialParent = process.ppid;
setInterval(() => {
  if (process.ppid !== initialParent) void shutdown(0);
}, PARENT_POLL_MS).unref();

if (stdinIsPipe()) {
  process.stdin.on('end', () => void shutdown(0));
  process.stdin.on('close', () => void shutdown(0));
  process.stdin.on('error', () => void shutdown(0));
  process.stdin.resume();
}

try {
  await app.listen({ host: HOST, port: parsePort(process.argv.slice(2)) });
} catch (err) {
  process.stderr.write(`sqs-emulator: failed to listen: ${err?.stack ?? err}\n`);
  process.exit(1);
}

const { port } = app.server.address();
process.stdout.write(`${JSON.stringify({ event: 'ready', endpoint: `http://${HOST}:${port}` })}\n`);
