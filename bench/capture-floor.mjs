// The cost of the one thing the hook cannot skip: recording the opening stack
// (leaktrack's own captureStack, DEFAULT_STACK_DEPTH frames), called from a dozen
// frames deep, sync and after an await. `bare + this` is the best a workload
// with one tracked open per operation can do.
import { createRequire } from 'node:module';

const { captureStack, DEFAULT_STACK_DEPTH } = createRequire(import.meta.url)('../dist/core/stack.js');
const N = 200_000;
let sink;

function open() {
  sink = captureStack(open);
}
function nest(depth) {
  return depth === 0 ? open() : nest(depth - 1);
}
function timeSync() {
  for (let i = 0; i < N / 10; i++) nest(12);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) nest(12);
  return Number(process.hrtime.bigint() - start) / N;
}
async function timeAsync() {
  const step = async () => {
    await null;
    nest(6);
  };
  for (let i = 0; i < N / 10; i++) await step();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await step();
  const withCapture = Number(process.hrtime.bigint() - start) / N;
  const bare = async () => {
    await null;
  };
  const start2 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await bare();
  return withCapture - Number(process.hrtime.bigint() - start2) / N;
}

const syncNs = timeSync();
const asyncNs = await timeAsync();
process.stdout.write(`${JSON.stringify({ depth: DEFAULT_STACK_DEPTH, syncNs, asyncNs, sink: typeof sink })}\n`);
