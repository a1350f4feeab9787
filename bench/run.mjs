// npm run bench: each workload as separate processes, bare, under leaktrack
// and under an async_hooks tracker (for comparison), alternating, several
// rounds; the median µs/op of each, and the median of each round's ratio.
// Then start-up, and memory under the hook. Results also go to
// bench/results.json. Starts its own PostgreSQL for the pg workload.
//
// BENCH_NODES=/path/to/node,/other/node runs the whole bench under each Node
// in turn (ratios against bare on the same Node, in the same run; results in
// bench/results-<version>.json). BENCH_ONLY=startup measures start-up only;
// BENCH_ONLY=http,fetch only those workloads.
// `npm run bench:versions` does both for the Nodes of `npm run test:versions`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEsmApp } from './esm-app.mjs';
import { startPostgres } from '../test/support/postgres.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.env.BENCH_NODES && !process.env.BENCH_CHILD) {
  for (const node of process.env.BENCH_NODES.split(',').filter(Boolean)) {
    console.log(`\n## ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}\n`);
    const child = spawnSync(node, [fileURLToPath(import.meta.url)], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, BENCH_CHILD: '1', PATH: `${dirname(node)}:${process.env.PATH}` } });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}
const ONLY_STARTUP = process.env.BENCH_ONLY === 'startup';
// BENCH_ONLY=http,fetch: only the workloads whose file starts so (and no pg server unless asked).
const ONLY = !ONLY_STARTUP && process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : undefined;
const STARTUP_TARGET_MS = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MODES = {
  bare: [],
  leaktrack: ['--import', 'leaktrack/register'],
  asyncHooks: ['--import', './bench/async-hooks-tracker.mjs'],
  // Sampled mode (LEAKTRACK_SAMPLE), measured for the workloads that name a target for it.
  sampled: ['--import', 'leaktrack/register'],
};
const MODE_ENV = { sampled: { LEAKTRACK_SAMPLE: '1/128' } };
const WORKLOADS = [
  { name: 'fs/promises open+close ×20k', file: 'fs-promises.mjs', target: 1.15 },
  { name: 'fs.openSync+closeSync ×100k', file: 'fs-sync.mjs', target: 1.25 },
  { name: 'net connect+end ×5k', file: 'net.mjs', target: 1.05 },
  { name: 'http GET keep-alive ×10k', file: 'http.mjs', target: 1.05, sampledTarget: 1.02 },
  { name: 'fetch GET ×5k', file: 'fetch.mjs', target: 1.05, sampledTarget: 1.02 },
  // pool.query's checkout is nested inside the query: no tag, no capture per operation.
  { name: "pg pool.query('select 1') ×10k", file: 'pg.mjs', target: 1.05, pg: true, capturesPerOp: 0 },
  { name: 'setInterval+clearInterval ×100k', file: 'interval.mjs', target: 1.25 },
  { name: 'dgram.createSocket+close ×20k', file: 'dgram.mjs', target: 1.25 },
  // The handshake's stack is captured 64 frames deep (undici.WebSocket): one capture per operation.
  { name: 'WebSocket open+close ×300', file: 'websocket.mjs', target: 1.05 },
].filter((workload) => !ONLY || ONLY.some((prefix) => workload.file.startsWith(prefix)));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function runWorkload(file, mode, env) {
  const out = execFileSync(process.execPath, [...MODES[mode], join(ROOT, 'bench', 'workloads', file)], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '', ...MODE_ENV[mode], ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()).nsPerOp;
}

/**
 * Sampled mode against bare inside one process, in alternating slices
 * (bench/workloads/measure.mjs, BENCH_INTERLEAVED): between processes, two
 * bare runs here differ by more than the 2 % to judge.
 */
function runInterleaved(file) {
  const out = execFileSync(process.execPath, [join(ROOT, 'bench', 'workloads', file)], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '', BENCH_INTERLEAVED: MODE_ENV.sampled.LEAKTRACK_SAMPLE },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

function startupMs(mode, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...MODES[mode], ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0) throw new Error(String(result.stderr));
  return Number(process.hrtime.bigint() - start) / 1e6;
}


const postgres = ONLY_STARTUP || !WORKLOADS.some((workload) => workload.pg) ? undefined : await startPostgres();
const results = [];
try {
  for (const workload of ONLY_STARTUP ? [] : WORKLOADS) {
    const times = { bare: [], leaktrack: [], asyncHooks: [], sampled: [] };
    const modes = Object.keys(MODES).filter((mode) => mode !== 'sampled' || workload.sampledTarget);
    for (let round = 0; round < ROUNDS; round++) {
      // Rotated each round, so that no mode always runs first (or right after PostgreSQL's background work).
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(round + i) % modes.length];
        times[mode][round] = runWorkload(workload.file, mode, workload.pg ? postgres.env : {});
      }
    }
    // The machine's speed drifts over seconds: each round's runs are compared
    // with each other, and the median of those ratios is the result.
    const pairedRatio = (mode) => median(times[mode].map((ns, round) => ns / times.bare[round]));
    const [bare, hooked, asyncHooks] = [median(times.bare), median(times.leaktrack), median(times.asyncHooks)];
    const sampled = workload.sampledTarget ? { sampledRatio: pairedRatio('sampled'), sampledTarget: workload.sampledTarget, interleaved: runInterleaved(workload.file) } : {};
    results.push({ workload: workload.name, bareNsPerOp: bare, hookedNsPerOp: hooked, asyncHooksNsPerOp: asyncHooks, ratio: pairedRatio('leaktrack'), asyncHooksRatio: pairedRatio('asyncHooks'), target: workload.target, ...sampled, runs: times });
  }
} finally {
  await postgres?.stop();
}

// The floor: one stack capture per operation (what the hook cannot skip), measured in this run.
const floorRuns = Array.from({ length: ONLY_STARTUP ? 1 : ROUNDS }, () =>
  JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bench', 'capture-floor.mjs')], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()),
);
const capture = { depth: floorRuns[0].depth, syncNs: median(floorRuns.map((r) => r.syncNs)), asyncNs: median(floorRuns.map((r) => r.asyncNs)) };
for (const [i, r] of results.entries()) r.floorRatio = (r.bareNsPerOp + (WORKLOADS[i].capturesPerOp ?? 1) * capture.asyncNs) / r.bareNsPerOp;

const appDir = mkdtempSync(join(os.tmpdir(), 'leaktrack-esm200-'));
const startup = [];
for (const [name, args] of [['`node -e 0`', ['-e', '0']], ['ESM app, 200 modules', [makeEsmApp(appDir)]]]) {
  const times = { bare: [], leaktrack: [] };
  for (let round = 0; round < ROUNDS * 4; round++) for (const mode of Object.keys(times)) times[mode].push(startupMs(mode, args));
  startup.push({ startup: name, bareMs: median(times.bare), hookedMs: median(times.leaktrack), addedMs: median(times.leaktrack) - median(times.bare), targetAddedMs: STARTUP_TARGET_MS });
}
rmSync(appDir, { recursive: true, force: true });

const memory = ONLY_STARTUP ? undefined : JSON.parse(
  execFileSync(process.execPath, ['--expose-gc', ...MODES.leaktrack, join(ROOT, 'bench', 'memory.mjs')], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '' }, encoding: 'utf8' }).trim().split('\n').pop(),
);

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const us = (ns) => (ns / 1000).toFixed(1);
console.log(`leaktrack bench: ${ROUNDS} rounds, medians (${machine})\n`);
if (!ONLY_STARTUP) {
console.log('| workload | bare µs/op | leaktrack µs/op | leaktrack/bare | target | floor: bare + 1 capture | async_hooks/bare |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const over = Number(r.ratio.toFixed(2)) <= r.target ? '' : ' (over)';
  console.log(`| ${r.workload} | ${us(r.bareNsPerOp)} | ${us(r.hookedNsPerOp)} | ${r.ratio.toFixed(2)}${over} | ≤ ${r.target} | ${r.floorRatio.toFixed(2)} | ${r.asyncHooksRatio.toFixed(2)} |`);
}
const sampledRows = results.filter((r) => r.sampledRatio !== undefined);
const triples = sampledRows[0]?.interleaved.triples;
console.log(`\n| sampled mode (LEAKTRACK_SAMPLE=1/128) | in one process: sampled/bare | bare/bare | target | between processes: sampled/bare |`);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of sampledRows) {
  const { sampledRatio, bareRatio } = r.interleaved;
  console.log(`| ${r.workload} | ${sampledRatio.toFixed(3)}${sampledRatio <= r.sampledTarget ? '' : ' (over)'} | ${bareRatio.toFixed(3)} | ≤ ${r.sampledTarget} | ${r.sampledRatio.toFixed(3)} |`);
}
if (sampledRows.length) {
  console.log(`\n"in one process": medians over ${triples} triples of slices (sampled, bare, bare again) in one process, the definitions installed and removed between slices;`);
  console.log('"bare/bare" is two bare slices compared the same way: how far two measures of the same thing differ here.');
}
console.log(`\nOne opening-stack capture (${capture.depth} frames): ${us(capture.asyncNs)} µs after an await, ${us(capture.syncNs)} µs in sync code 12 frames deep.`);
console.log('"floor" is the ratio a workload would have if the hook cost nothing but that capture.');
}
console.log('\n| start-up | bare | leaktrack | added | target |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const s of startup) console.log(`| ${s.startup} | ${s.bareMs.toFixed(1)} ms | ${s.hookedMs.toFixed(1)} ms | +${s.addedMs.toFixed(1)} ms${s.addedMs <= s.targetAddedMs ? '' : ' (over)'} | ≤ +${s.targetAddedMs} ms |`);
const pct = (x) => `${(x * 100).toFixed(1)} %`;
if (memory) {
console.log('\n| memory under the hook | heap before → after (after GC) | growth | tags held |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, m] of [['fs.openSync+closeSync', memory.fs], ['net connect+end', memory.net]]) {
  console.log(`| ${name} ×${m.cycles.toLocaleString('en')} | ${m.heapBeforeMB.toFixed(1)} → ${m.heapAfterMB.toFixed(1)} MB | ${pct(m.growth)} | ${m.tagsHeld} |`);
}
const o = memory.open10k;
console.log(`\n10,000 resources left open: report() ${o.reportMs.toFixed(0)} ms, JSON ${(o.jsonBytes / 2 ** 20).toFixed(1)} MiB, stderr text ${o.textMs.toFixed(0)} ms (${o.textBytes} bytes: one folded site)`);
}
const resultsFile = process.env.BENCH_CHILD ? `results-${process.version}.json` : 'results.json';
writeFileSync(join(ROOT, 'bench', resultsFile), JSON.stringify({ machine, rounds: ROUNDS, capture, results, startup, memory }, null, 2) + '\n');
