// npm run bench: each workload as separate processes, bare and under the hook,
// alternating, several rounds; the median ns/op of each and their ratio,
// measured in the same run. Results also go to bench/results.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HOOK = ['--import', 'leaktrack/register'];
const WORKLOADS = [
  { name: 'fs/promises open+close ×20k', file: 'fs-promises.mjs', target: 1.15 },
  { name: 'net connect+end ×5k', file: 'net.mjs', target: 1.05 },
  { name: 'http GET keep-alive ×10k', file: 'http.mjs', target: 1.05 },
  { name: 'fetch GET ×5k', file: 'fetch.mjs', target: 1.05 },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function runWorkload(file, hooked) {
  const out = execFileSync(process.execPath, [...(hooked ? HOOK : []), join(ROOT, 'bench', 'workloads', file)], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()).nsPerOp;
}

function startupMs(hooked) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...(hooked ? HOOK : []), '-e', '0'], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0) throw new Error(String(result.stderr));
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const results = [];
for (const workload of WORKLOADS) {
  const bare = [];
  const hooked = [];
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(runWorkload(workload.file, false));
    hooked.push(runWorkload(workload.file, true));
  }
  const ratio = median(hooked) / median(bare);
  results.push({ workload: workload.name, bareNsPerOp: median(bare), hookedNsPerOp: median(hooked), ratio, target: workload.target });
}
const bareStart = [];
const hookedStart = [];
for (let round = 0; round < ROUNDS * 4; round++) {
  bareStart.push(startupMs(false));
  hookedStart.push(startupMs(true));
}
const startup = { bareMs: median(bareStart), hookedMs: median(hookedStart), addedMs: median(hookedStart) - median(bareStart), targetAddedMs: 25 };

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`leaktrack bench: ${ROUNDS} rounds, medians (${machine})\n`);
console.log('| workload | bare µs/op | hooked µs/op | hooked/bare | target |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const ok = r.ratio <= r.target ? '' : ' (over)';
  console.log(`| ${r.workload} | ${(r.bareNsPerOp / 1000).toFixed(1)} | ${(r.hookedNsPerOp / 1000).toFixed(1)} | ${r.ratio.toFixed(3)}${ok} | ≤ ${r.target} |`);
}
console.log(`| start-up \`-e 0\` | ${startup.bareMs.toFixed(1)} ms | ${startup.hookedMs.toFixed(1)} ms | +${startup.addedMs.toFixed(1)} ms | ≤ +${startup.targetAddedMs} ms |`);
writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify({ machine, rounds: ROUNDS, results, startup }, null, 2) + '\n');
