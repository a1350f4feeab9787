// Time `count` sequential runs of `op` after a warm-up; print ns/op.
// BENCH_OPS overrides the count (bench/instructions.mjs runs few under valgrind).
// BENCH_INTERLEAVED=1/128 measures instead the sampled mode against bare
// inside this one process (interleaved below; BENCH_TRIPLES, BENCH_SLICE
// and BENCH_WARM_IN set its size).
const opsOf = (count) => Number(process.env.BENCH_OPS) || count;
/**
 * Warm-up operations before the clock starts. An http request is still
 * twice as slow after 500 requests as after 5000 (V8 is still tiering up
 * Node's http code): timing from 500 measured the JIT's warm-up as much as
 * the operation, and the warm-up is where processes differ most.
 * Exported for bench/instructions.mjs, which counts what a run does.
 */
export const warmupOps = (count) => Math.min(5000, count / 2);

export async function measure(count, op) {
  if (process.env.BENCH_INTERLEAVED) return interleaved(op, process.env.BENCH_INTERLEAVED);
  count = opsOf(count);
  for (let i = 0; i < warmupOps(count); i++) await op();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await op();
  const ns = Number(process.hrtime.bigint() - start) / count;
  process.stdout.write(`${JSON.stringify({ nsPerOp: ns })}\n`);
}

/** The same for a synchronous `op`: no await between operations. */
export function measureSync(count, op) {
  count = opsOf(count);
  for (let i = 0; i < warmupOps(count); i++) op();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) op();
  const ns = Number(process.hrtime.bigint() - start) / count;
  process.stdout.write(`${JSON.stringify({ nsPerOp: ns })}\n`);
}

/**
 * Bare and sampled in one process, in alternating slices. On this machine
 * two processes running the same code differ in speed by up to ±15 % (two
 * bare runs included), far more than a 2 % target: between processes, no
 * number of rounds resolves it. Inside one process they share that speed.
 * The process starts bare (no --import) and switches leaktrack's module
 * definitions in and out (the same install/uninstall the definitions test
 * uses), sampled mode on. After each switch, twice a slice's operations
 * are not timed: V8 re-optimizes what called the swapped functions, and
 * with a quarter of a slice fetch read 1.05 where it reads 0.98 with this
 * (the switch measured, not the hook). Each result is the median over
 * triples of slices (sampled, bare, bare again) in each of the 6 orders in
 * turn: sampled/bare, and bare/bare, how far two measures of the same
 * thing differ here.
 */
async function interleaved(op, rate) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { install, uninstall } = require('../../dist/instrument/install.js');
  const { definitions } = require('../../dist/instrument/index.js');
  const { startSampling } = require('../../dist/core/sampling.js');
  const { readSample } = require('../../dist/config.js');
  startSampling(readSample(rate, 'BENCH_INTERLEAVED'));
  const TRIPLES = Number(process.env.BENCH_TRIPLES ?? 100);
  const SLICE = Number(process.env.BENCH_SLICE ?? 400);
  const WARM_IN = Number(process.env.BENCH_WARM_IN ?? SLICE * 2);
  // Every slice starts after the same churn (in, out, and in again when hooked), so that the two bare slices compare like the sampled one.
  const setHooked = (hooked) => {
    install(definitions);
    definitions.forEach(uninstall);
    if (hooked) install(definitions);
  };
  const slice = async (hooked) => {
    setHooked(hooked);
    for (let i = 0; i < WARM_IN; i++) await op();
    const start = process.hrtime.bigint();
    for (let i = 0; i < SLICE; i++) await op();
    return Number(process.hrtime.bigint() - start) / SLICE;
  };
  for (let i = 0; i < 5000; i++) await op(); // bare warm-up, as measure()'s
  for (const hooked of [true, false]) await slice(hooked); // both sides' code warm
  // Triples of sampled, bare and bare again, in each of the 6 orders in turn: every two of them come in both orders equally often, so a drift over time cancels.
  const ORDERS = [['sampled', 'bare', 'bare2'], ['bare', 'bare2', 'sampled'], ['bare2', 'sampled', 'bare'], ['bare2', 'bare', 'sampled'], ['bare', 'sampled', 'bare2'], ['sampled', 'bare2', 'bare']];
  const sampled = [];
  const bare = [];
  for (let triple = 0; triple < TRIPLES; triple++) {
    const ns = {};
    for (const mode of ORDERS[triple % ORDERS.length]) ns[mode] = await slice(mode === 'sampled');
    sampled.push(ns.sampled / ns.bare);
    bare.push(ns.bare2 / ns.bare);
  }
  definitions.forEach(uninstall);
  process.stdout.write(`${JSON.stringify({ sampledRatio: median(sampled), bareRatio: median(bare), triples: TRIPLES, slice: SLICE })}\n`);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
