// `npm run test:versions [22 24 26]`: the suite on other Node versions. Each
// version comes from the npm package `node` (installed once into
// .node-versions/<major>/), its bin first on PATH; the build is the one
// `npm test` made. Versions run one after another: the suite is timing-aware
// and a 2-core machine is already busy with one. Prints one line per version
// and a closing "N passed, N failed" line; exits 1 if any test failed.
// `npm run bench:versions` (--bench): instead, `npm run bench` under this
// machine's Node and each of those (BENCH_ONLY=startup for start-up alone).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bench = process.argv.includes('--bench');
const asked = process.argv.slice(2).filter((arg) => arg !== '--bench');
const majors = asked.length > 0 ? asked : ['22', '24', '26'];

function install(major) {
  const dir = join(ROOT, '.node-versions', major);
  const bin = join(dir, 'node_modules', 'node', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    mkdirSync(dir, { recursive: true });
    const npm = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node@${major}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (npm.status !== 0 || !existsSync(join(bin, 'node'))) throw new Error(`cannot install node@${major} from the npm registry`);
  }
  return bin;
}

function suite(bin) {
  return new Promise((done) => {
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(join(bin, 'node'), ['--test', '--test-reporter=tap', ...testFiles()], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => done({ code, out }));
  });
}

function testFiles() {
  return spawnSync('sh', ['-c', 'ls test/*.test.mjs'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim().split('\n');
}

if (bench) {
  const nodes = [process.execPath, ...majors.map((major) => join(install(major), 'node'))];
  const run = spawnSync(process.execPath, [join(ROOT, 'bench', 'run.mjs')], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, BENCH_NODES: nodes.join(',') } });
  process.exit(run.status ?? 1);
}

const count = (out, name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
let passed = 0;
let failed = 0;
for (const major of majors) {
  const bin = install(major);
  const version = spawnSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  const started = Date.now();
  const { code, out } = await suite(bin);
  const [pass, fail] = [count(out, 'pass'), count(out, 'fail') + count(out, 'cancelled')];
  passed += pass;
  failed += fail + (code !== 0 && fail === 0 ? 1 : 0);
  console.log(`node ${version}: ${pass} passed, ${fail} failed (${Math.round((Date.now() - started) / 1000)} s)`);
  if (code !== 0) {
    for (const block of out.split(/^(?=not ok )/m).slice(1)) console.log(block.split(/^ {2}\.\.\.$/m)[0].trimEnd());
    if (fail === 0) console.log(out.slice(-3000));
  }
}
// The plain closing line CI reads (node 22, 24 and 26 together):
console.log(`versions: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
