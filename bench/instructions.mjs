// npm run bench:instructions: machine instructions per operation, bare and
// under the hook, from valgrind's cachegrind. Time on a shared machine moves
// 20-30 % between runs; instruction counts repeat within about 1 %, so a 5 %
// change can be judged. Each workload runs twice (few and more operations)
// and the difference is divided by the extra operations: start-up cancels.
// V8 runs single-threaded (--single-threaded) so JIT and GC work is counted
// on the one thread, the same way each run; with V8's seeds fixed and no
// address randomization (setarch -R), a run repeats to the instruction
// (without them, ±5 M between runs of the same start-up). Start-up itself is
// counted without those flags, as medians (see startup()).
//
// Caveat: valgrind runs the program ~50x slower, so leaktrack's 100 ms settle
// timer fires ~50x more often per operation than it really does; for
// workloads of many short operations (http) that inflates the hooked count.
//
// BENCH_NODES=/path/to/node,/other/node measures each Node in turn;
// `npm run bench:instructions -- startup` counts start-up only.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEsmApp } from './esm-app.mjs';
import { warmupOps } from './workloads/measure.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKLOADS = [
  { name: 'fs/promises open+close', file: 'fs-promises.mjs', few: 1000, more: 5000 },
  { name: 'fs.openSync+closeSync', file: 'fs-sync.mjs', few: 2000, more: 12000 },
  { name: 'net connect+end', file: 'net.mjs', few: 300, more: 1300 },
  { name: 'http GET keep-alive', file: 'http.mjs', few: 1000, more: 5000, sampled: true },
  { name: 'fetch GET', file: 'fetch.mjs', few: 500, more: 2500, sampled: true },
  { name: 'setInterval+clearInterval', file: 'interval.mjs', few: 2000, more: 12000 },
  { name: 'dgram.createSocket+close', file: 'dgram.mjs', few: 2000, more: 12000 },
];
// What measure.mjs runs for a count: the count plus its warm-up.
const opsRun = (count) => count + warmupOps(count);

function instructions(node, args, file, count, env = {}) {
  return countRun(node, [...args, join(ROOT, 'bench', 'workloads', file)], { BENCH_OPS: String(count), ...env });
}

const DETERMINISTIC = ['--single-threaded', '--hash-seed=1', '--random-seed=1'];
const NO_ASLR = spawnSync('setarch', ['-R', 'true']).status === 0 ? ['setarch', '-R'] : [];

/** Instructions of one whole run of `node ...v8Flags ...args`. */
function countRun(node, args, env = {}, v8Flags = DETERMINISTIC) {
  const [command, ...prefix] = [...NO_ASLR, 'valgrind'];
  const result = spawnSync(command, [...prefix, '--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', node, ...v8Flags, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '', ...env },
    encoding: 'utf8',
  });
  const match = /I\s+refs:\s+([\d,]+)/.exec(result.stderr);
  if (!match) throw new Error(`cachegrind gave no count for ${args.join(' ')}: ${result.stderr.slice(-500)}`);
  return Number(match[1].replaceAll(',', ''));
}

/** Median wall time of a bare run, to turn an instruction count into milliseconds. */
function bareMs(node, args) {
  const times = Array.from({ length: 15 }, () => {
    const start = process.hrtime.bigint();
    spawnSync(node, args, { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
    return Number(process.hrtime.bigint() - start) / 1e6;
  }).sort((a, b) => a - b);
  return times[7];
}

/**
 * Start-up in instructions: a whole run, bare and hooked (the hook's code
 * cache written by a run before). The added milliseconds are bare's time
 * scaled by the added share of instructions: an estimate that does not move
 * with the machine's load, as wall time does.
 *
 * Without DETERMINISTIC's V8 flags: any flag that changes V8's flag hash
 * (--single-threaded, --hash-seed, --random-seed) makes Node reject the code
 * cache built into it for its own modules, and every builtin a run loads is
 * parsed and compiled (node:vm counted 1.8 M instructions that way, against
 * 0.1 ms of real time). Runs then move by a few M (V8's worker threads, a
 * random hash seed): each count is the median of STARTUP_RUNS, bare and
 * hooked alternating.
 */
const STARTUP_RUNS = 5;
function startup(node) {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-esm200-'));
  try {
    console.log('\n| start-up | bare | leaktrack | added | ≈ added ms |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [name, args] of [['`node -e 0`', ['-e', '0']], ['ESM app, 200 modules', [makeEsmApp(dir)]]]) {
      spawnSync(node, ['--import', 'leaktrack/register', ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '' } });
      const counts = { bare: [], hooked: [] };
      for (let run = 0; run < STARTUP_RUNS; run++) {
        counts.bare.push(countRun(node, args, {}, []));
        counts.hooked.push(countRun(node, ['--import', 'leaktrack/register', ...args], {}, []));
      }
      const middle = (list) => list.sort((a, b) => a - b)[list.length >> 1];
      const [bare, hooked] = [middle(counts.bare), middle(counts.hooked)];
      const m = (n) => `${(n / 1e6).toFixed(1)} M`;
      console.log(`| ${name} | ${m(bare)} | ${m(hooked)} | ${m(hooked - bare)} (+${((hooked / bare - 1) * 100).toFixed(1)} %) | +${(bareMs(node, args) * (hooked / bare - 1)).toFixed(1)} ms |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function perOp(node, args, workload, env) {
  // The hook's code cache for these flags, written by a run before (else the first run counted compiles the bundle).
  if (args.length) spawnSync(node, [...DETERMINISTIC, ...args, join(ROOT, 'bench', 'workloads', workload.file)], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '', BENCH_OPS: '1', ...env } });
  const few = instructions(node, args, workload.file, workload.few, env);
  const more = instructions(node, args, workload.file, workload.more, env);
  return (more - few) / (opsRun(workload.more) - opsRun(workload.few));
}

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench:instructions needs valgrind (cachegrind) on PATH');
  process.exit(1);
}
const only = process.argv[2];
const nodes = (process.env.BENCH_NODES ?? process.execPath).split(',').filter(Boolean);
for (const node of nodes) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\nNode ${version}: instructions per operation (cachegrind)\n`);
  console.log('| workload | bare | leaktrack | added | ratio | sampled 1/128 | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const workload of WORKLOADS.filter((w) => !only || w.file.startsWith(only))) {
    const bare = perOp(node, [], workload);
    const hooked = perOp(node, ['--import', 'leaktrack/register'], workload);
    const k = (n) => `${(n / 1000).toFixed(1)} k`;
    const sampled = workload.sampled ? perOp(node, ['--import', 'leaktrack/register'], workload, { LEAKTRACK_SAMPLE: '1/128' }) : undefined;
    const sampledCells = sampled === undefined ? '– | –' : `${k(sampled)} | ${(sampled / bare).toFixed(3)}`;
    console.log(`| ${workload.name} | ${k(bare)} | ${k(hooked)} | ${k(hooked - bare)} | ${(hooked / bare).toFixed(2)} | ${sampledCells} |`);
  }
  if (!only || only === 'startup') startup(node);
}
