// Run under the hook with --expose-gc by bench/run.mjs: does memory come back
// after many open/close cycles, and what does a report of 10,000 open
// resources cost? Prints one JSON line.
import { openSync, closeSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { processTracker, report, formatText } from 'leaktrack';

const FS_CYCLES = Number(process.env.BENCH_FS_CYCLES ?? 1_000_000);
const NET_CYCLES = Number(process.env.BENCH_NET_CYCLES ?? 100_000);
const file = fileURLToPath(import.meta.url);

function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function cycle(count, op) {
  for (let i = 0; i < 2_000; i++) await op();
  const before = heapAfterGc();
  for (let i = 0; i < count; i++) await op();
  const after = heapAfterGc();
  return { cycles: count, heapBeforeMB: before / 2 ** 20, heapAfterMB: after / 2 ** 20, growth: after / before - 1, tagsHeld: processTracker.size };
}

const fsResult = await cycle(FS_CYCLES, () => closeSync(openSync(file, 'r')));

const server = net.createServer((socket) => socket.resume().on('end', () => socket.end())).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address();
const netResult = await cycle(NET_CYCLES, () =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end());
    socket.on('close', resolve).on('error', reject).resume();
  }),
);
server.close();

const timers = [];
const tick = () => {};
for (let i = 0; i < 10_000; i++) timers.push(setInterval(tick, 60_000));
let start = process.hrtime.bigint();
const leaks = report().leaks;
const reportMs = Number(process.hrtime.bigint() - start) / 1e6;
const jsonBytes = Buffer.byteLength(JSON.stringify({ leaks }));
start = process.hrtime.bigint();
const text = formatText(leaks, { color: false });
const textMs = Number(process.hrtime.bigint() - start) / 1e6;
for (const timer of timers) clearInterval(timer);

console.log(JSON.stringify({ fs: fsResult, net: netResult, open10k: { leaks: leaks.length, reportMs, jsonBytes, textMs, textBytes: text.length } }));
