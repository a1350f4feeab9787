// Time `count` sequential runs of `op` after a short warm-up; print ns/op.
// BENCH_OPS overrides the count (bench/instructions.mjs runs few under valgrind).
const opsOf = (count) => Number(process.env.BENCH_OPS) || count;

export async function measure(count, op) {
  count = opsOf(count);
  for (let i = 0; i < Math.min(500, count / 10); i++) await op();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await op();
  const ns = Number(process.hrtime.bigint() - start) / count;
  process.stdout.write(`${JSON.stringify({ nsPerOp: ns })}\n`);
}

/** The same for a synchronous `op`: no await between operations. */
export function measureSync(count, op) {
  count = opsOf(count);
  for (let i = 0; i < Math.min(5000, count / 10); i++) op();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) op();
  const ns = Number(process.hrtime.bigint() - start) / count;
  process.stdout.write(`${JSON.stringify({ nsPerOp: ns })}\n`);
}
