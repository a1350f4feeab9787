// The `leaktrack` command over a suite of processes, CI formats, LEAKTRACK_FAIL,
// configuration (file, package.json field, env, invalid), and the live census.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, declaredLeaks, assertLeaksAsDeclared, FIXTURES, ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const SUITE = join(FIXTURES, 'cli', 'suite.mjs');

function leaktrack(args, env = {}) {
  const childEnv = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', GITHUB_ACTIONS: '', ...env };
  delete childEnv.LEAKTRACK_REPORT;
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

const tempDir = (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** Every `// leak:` of the suite's children, as "kind file:line" (x2 counted twice). */
const suiteLeaks = () => [...declaredLeaks(join(FIXTURES, 'cli', 'child-files.mjs')), ...declaredLeaks(join(FIXTURES, 'cli', 'child-sockets.cjs'))].sort();

test('leaktrack -- <suite>: one merged summary, the killed process named, merged JSON; exit code the command\'s', async (t) => {
  const json = join(tempDir(t), 'merged.json');
  const result = await leaktrack(['--json', json, '--', process.execPath, SUITE]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'suite done\n');
  assert.match(result.stderr, /^leaktrack: 3 of 4 processes reported; 4 leaks from 3 sites$/m);
  assert.match(result.stderr, /^ {2}pid \d+ \(node -e setInterval.*\) did not report: it was killed \(SIGKILL\) or aborted before it could$/m);
  assert.match(result.stderr, /^ {2}1 process, 2× fs\.FileHandle at test\/fixtures\/cli\/child-files\.mjs:5:\d+$/m);
  const merged = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(merged.processes.length, 4);
  assert.equal(merged.processes.filter((p) => !p.reported).length, 1);
  assert.deepEqual(merged.leaks.map((leak) => `${leak.kind} ${leak.openedAt.file}:${leak.openedAt.line}`).sort(), suiteLeaks());
  assert.ok(merged.leaks.every((leak) => merged.processes.some((p) => p.pid === leak.pid && p.reported)));
});

test('--fail-on-leak: 1 when leaks were found; a failing command keeps its own code', async () => {
  assert.equal((await leaktrack(['--fail-on-leak', '--', process.execPath, SUITE])).code, 1);
  assert.equal((await leaktrack(['--', process.execPath, SUITE], { SUITE_EXIT_CODE: '3' })).code, 3);
  assert.equal((await leaktrack(['--fail-on-leak', '--', process.execPath, SUITE], { SUITE_EXIT_CODE: '3' })).code, 3);
  const clean = await leaktrack(['--fail-on-leak', '--', process.execPath, join(FIXTURES, 'fs-clean.mjs')]);
  assert.equal(clean.code, 0);
  assert.match(clean.stderr, /^leaktrack: 1 of 1 process reported; 0 leaks from 0 sites$/m);
  // A process whose fs.fd tracking failed (its opens unseen): no leak listed, and no verdict to believe.
  const blind = await leaktrack(['--fail-on-leak', '--', process.execPath, join(FIXTURES, 'hostile', 'capture-fails.cjs')]);
  assert.equal(blind.code, 1, blind.stderr);
  assert.match(blind.stderr, /^leaktrack: 1 of 1 process reported; 0 leaks from 0 sites\n {2}fs\.fd was not tracked in some process \(its stderr says why\): leaks there are not listed$/m);
  assert.equal((await leaktrack(['--', process.execPath, join(FIXTURES, 'hostile', 'capture-fails.cjs')])).code, 0);
});

test('--format github (automatic under GITHUB_ACTIONS=true): one ::error annotation per site, on stdout', async () => {
  for (const [args, env] of [[['--format', 'github'], {}], [[], { GITHUB_ACTIONS: 'true' }]]) {
    const result = await leaktrack([...args, '--', process.execPath, SUITE], env);
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::'));
    assert.equal(annotations.length, 3, result.stdout);
    assert.match(result.stdout, /^::error file=test\/fixtures\/cli\/child-files\.mjs,line=5,col=\d+,title=leaktrack%3A fs\.FileHandle leak::2× fs\.FileHandle opened here and never closed \(.*\), in 1 process$/m);
    assert.match(result.stdout, /^::error file=test\/fixtures\/cli\/child-sockets\.cjs,line=4,col=\d+,title=leaktrack%3A net\.Socket leak::/m);
  }
});

test('--format sarif: a SARIF 2.1.0 file valid against the schema, one result per site', async (t) => {
  const output = join(tempDir(t), 'leaks.sarif');
  const result = await leaktrack(['--format', 'sarif', '--output', output, '--', process.execPath, SUITE]);
  assert.equal(result.code, 0);
  const sarif = JSON.parse(readFileSync(output, 'utf8'));
  const Ajv = require('ajv-draft-04'); // the SARIF 2.1.0 schema is JSON Schema draft-04
  const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  // unicodeRegExp off: the schema's "language" pattern is not valid in unicode mode
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false }).compile(schema);
  assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
  const results = sarif.runs[0].results;
  assert.equal(results.length, 3);
  const socket = results.find((r) => r.ruleId === 'net.Socket');
  assert.deepEqual(socket.locations[0].physicalLocation.artifactLocation, { uri: 'test/fixtures/cli/child-sockets.cjs', uriBaseId: 'SRCROOT' });
  assert.equal(socket.locations[0].physicalLocation.region.startLine, 4);
  // a broken validator would accept anything: make sure it does not
  assert.equal(validate({ version: '2.1.0', runs: [{ results: [] }] }), false);
});

test('LEAKTRACK_FAIL=1 for the bare hook: exit 1 with leaks, unchanged without or when already failing', async () => {
  assert.equal((await run('fs-loop.mjs', { env: { LEAKTRACK_FAIL: '1' } })).code, 1);
  assert.equal((await run('fs-loop.mjs')).code, 0);
  assert.equal((await run('fs-clean.mjs', { env: { LEAKTRACK_FAIL: '1' } })).code, 0);
  assert.equal((await run('process-exit.mjs', { env: { LEAKTRACK_FAIL: '1' } })).code, 3);
});

const THREE = join(FIXTURES, 'config', 'leaks-three.cjs');
const reported = (result) => result.report.leaks.map((leak) => `${leak.kind} ${leak.openedAt.file.replace(`${FIXTURES}/config/`, '')}:${leak.openedAt.line}`).sort();

test('config ignore rules by kind, by file glob and by description; kinds; env overrides the file', async (t) => {
  const dir = tempDir(t);
  const all = await run(THREE);
  assert.deepEqual(reported(all), ['fs.fd leaks-three.cjs:6', 'fs.fd vendored/helper.cjs:3', 'net.Server leaks-three.cjs:8']);

  const config = join(dir, 'leaktrack.config.json');
  writeFileSync(config, JSON.stringify({ ignore: [{ kind: 'net.*' }, { file: 'test/fixtures/config/vendored/**' }] }));
  assert.deepEqual(reported(await run(THREE, { env: { LEAKTRACK_CONFIG: config } })), ['fs.fd leaks-three.cjs:6']);

  writeFileSync(config, JSON.stringify({ ignore: [{ kind: 'fs.fd', description: 'helper\\.cjs' }] }));
  assert.deepEqual(reported(await run(THREE, { env: { LEAKTRACK_CONFIG: config } })), ['fs.fd leaks-three.cjs:6', 'net.Server leaks-three.cjs:8']);

  writeFileSync(config, JSON.stringify({ kinds: ['net.Server'] }));
  assert.deepEqual(reported(await run(THREE, { env: { LEAKTRACK_CONFIG: config } })), ['net.Server leaks-three.cjs:8']);
  assert.deepEqual(reported(await run(THREE, { env: { LEAKTRACK_CONFIG: config, LEAKTRACK_KINDS: 'fs.*' } })), ['fs.fd leaks-three.cjs:6', 'fs.fd vendored/helper.cjs:3']);
  assert.deepEqual(reported(await run(THREE, { env: { LEAKTRACK_IGNORE_FILES: '**/vendored/*.cjs', LEAKTRACK_IGNORE_KINDS: 'net.Server' } })), ['fs.fd leaks-three.cjs:6']);
});

test('a "leaktrack" field in package.json is read from the current directory', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', leaktrack: { ignore: [{ kind: 'fs.fd' }] } }));
  const result = await run(THREE, { hook: false, nodeArgs: ['--import', join(ROOT, 'register.mjs')], cwd: dir });
  assert.deepEqual(reported(result), ['net.Server leaks-three.cjs:8']);
});

test('an invalid config: one line naming the bad field, the program runs on untracked; LEAKTRACK=0 likewise untracked', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'bad.json');
  writeFileSync(config, JSON.stringify({ ignore: [{ kind: 'net.Server' }, { file: 42 }] }));
  const bad = await run(THREE, { env: { LEAKTRACK_CONFIG: config } });
  assert.equal(bad.code, 0);
  assert.equal(bad.stdout, 'not patched\n');
  assert.equal(bad.stderr, `leaktrack: ${config}: "ignore[1]".file must be a string; leaktrack is off for this run\n`);
  assert.equal(bad.report, undefined);

  writeFileSync(config, '{ "kinds": [');
  assert.match((await run(THREE, { env: { LEAKTRACK_CONFIG: config } })).stderr, /^leaktrack: .*bad\.json: not JSON: .*; leaktrack is off for this run\n$/);
  writeFileSync(config, JSON.stringify({ kinds: ['net.Socket'], ignores: [] }));
  assert.match((await run(THREE, { env: { LEAKTRACK_CONFIG: config } })).stderr, /unknown field "ignores" \(known: kinds, ignore, redact, stderr, sample\)/);

  const off = await run(THREE, { env: { LEAKTRACK: '0' } });
  assert.equal(off.stdout, 'not patched\n');
  assert.equal(off.stderr, '');
  assert.equal(off.report, undefined);
});

test('census: a service leaking a file per request is reported as growing while it runs; a clean one is not', async () => {
  const env = { LEAKTRACK_INTERVAL: '150ms', RUN_MS: '1500' };
  const leaky = await run('census-server.mjs', { env: { ...env, LEAK: '1' } });
  const line = readFileSync(join(FIXTURES, 'leaky-service.mjs'), 'utf8').split('\n').findIndex((text) => text.includes('// grows:')) + 1;
  const growing = leaky.stderr.split('\n').filter((text) => text.startsWith('leaktrack: growing:'));
  assert.ok(growing.length >= 1, leaky.stderr);
  assert.match(growing[0], new RegExp(`^leaktrack: growing: \\d+× fs\\.FileHandle open, opened at test/fixtures/leaky-service\\.mjs:${line}:\\d+ \\((\\d+ → ){3}\\d+ over the last 3 intervals; oldest open \\d+s\\)$`));
  assert.equal(leaky.stdout, 'served\n');

  const clean = await run('census-server.mjs', { env });
  assert.equal(clean.stdout, 'served\n');
  assert.doesNotMatch(clean.stderr, /growing/);
  assert.equal((await run('census-server.mjs', { env: { LEAKTRACK_INTERVAL: 'soon', RUN_MS: '50' } })).stderr.split('\n')[0], 'leaktrack: LEAKTRACK_INTERVAL="soon" is not a duration of at least 10ms (like 60s or 5m); it is ignored');
});

test('kind names are checked against the kinds leaktrack has: a typo is one line with the likely name, and tracking is off', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'leaktrack.config.json');
  writeFileSync(config, JSON.stringify({ kinds: ['fs.FileHandel'] }));
  const typo = await run(THREE, { env: { LEAKTRACK_CONFIG: config } });
  assert.equal(typo.code, 0);
  assert.equal(typo.stdout, 'not patched\n');
  assert.equal(typo.stderr, `leaktrack: ${config}: "kinds[0]": unknown kind "fs.FileHandel" (did you mean "fs.FileHandle"?); leaktrack is off for this run\n`);

  writeFileSync(config, JSON.stringify({ ignore: [{ kind: 'pg.pool' }] }));
  assert.match((await run(THREE, { env: { LEAKTRACK_CONFIG: config } })).stderr, /"ignore\[0\]"\.kind: unknown kind "pg\.pool" \(did you mean "pg\.Pool"\?\)/);
  const env = await run(THREE, { env: { LEAKTRACK_KINDS: 'fs.*,net.server' } });
  assert.equal(env.stderr, 'leaktrack: LEAKTRACK_KINDS: unknown kind "net.server" (did you mean "net.Server"?); leaktrack is off for this run\n');

  // The program's own tags' kinds (another family) are taken as written.
  writeFileSync(config, JSON.stringify({ kinds: ['app.Lock', 'net.*'], ignore: [{ kind: 'jobs.*' }] }));
  assert.deepEqual(reported(await run(THREE, { env: { LEAKTRACK_CONFIG: config } })), ['net.Server leaks-three.cjs:8']);
});

test('asked to fail on leaks with a config that cannot be trusted: the run fails, with the reason', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'bad.json');
  writeFileSync(config, JSON.stringify({ ignore: [{ kind: 'net.Server', files: 'x' }] }));
  const failed = await run(THREE, { env: { LEAKTRACK_CONFIG: config, LEAKTRACK_FAIL: '1' } });
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, 'not patched\n');
  assert.deepEqual(failed.stderr.trim().split('\n'), [
    `leaktrack: ${config}: "ignore[0]".files is not a rule field (kind, file, description); leaktrack is off for this run`,
    `leaktrack: failing this run (LEAKTRACK_FAIL is set): ${config}: "ignore[0]".files is not a rule field (kind, file, description)`,
  ]);
  assert.equal((await run(THREE, { env: { LEAKTRACK_CONFIG: config } })).code, 0, 'without LEAKTRACK_FAIL the program runs on');
});

test('no secret the program passed reaches any output: stderr, the JSON report, the merged JSON, GitHub annotations, SARIF', async (t) => {
  const dir = tempDir(t);
  const fixture = join(FIXTURES, 'secrets.mjs');
  const hooked = await run(fixture);
  assertLeaksAsDeclared(hooked);
  const merged = join(dir, 'merged.json');
  const sarif = join(dir, 'out.sarif');
  const command = await leaktrack(['--json', merged, '--format', 'sarif', '--output', sarif, '--', process.execPath, fixture]);
  const github = await leaktrack(['--format', 'github', '--', process.execPath, fixture]);
  const outputs = {
    'hook stderr': hooked.stderr,
    'hook JSON': JSON.stringify(hooked.report),
    'command stderr': command.stderr,
    'command stdout': command.stdout,
    'merged JSON': readFileSync(merged, 'utf8'),
    SARIF: readFileSync(sarif, 'utf8'),
    'GitHub annotations': github.stdout,
  };
  for (const [where, text] of Object.entries(outputs)) assert.doesNotMatch(text, /SECRET_/, where);
  // (and each output does carry the leaks)
  assert.equal(JSON.parse(outputs['merged JSON']).leaks.length, 5);
  assert.equal(JSON.parse(outputs.SARIF).runs[0].results.length, 5);
  assert.equal(outputs['GitHub annotations'].match(/^::error /gm)?.length, 5);
  // The command lines of the processes, in the merged JSON.
  const argsJson = join(dir, 'args.json');
  await leaktrack(['--json', argsJson, '--', process.execPath, '-e', '0', '--', '--password=SECRET_A', '--token', 'SECRET_B', 'plain']);
  const [{ argv }] = JSON.parse(readFileSync(argsJson, 'utf8')).processes;
  assert.deepEqual(argv.slice(-4), ['--password=…', '--token', '…', 'plain']);
  // Still recognisable: host, path and the names of what was removed.
  const descriptions = hooked.report.leaks.map((leak) => leak.description).join('\n');
  assert.match(descriptions, /GET http:\/\/127\.0\.0\.1:\d+\/v1\/items\?api_key=…&page=… \(response 200/);
  assert.match(descriptions, /GET http:\/\/127\.0\.0\.1:\d+\/x\?token=… \(response 200 not consumed\)/);
  assert.match(descriptions, /child process \d+: sh -c sleep 10 sh --password=… --token … API_KEY=…/);
  assert.match(descriptions, /worker thread \d+ running code given with eval: true/);
  assert.match(outputs['GitHub annotations'], /api_key=…/);

  const debugging = await run(fixture, { env: { LEAKTRACK_REDACT: '0' } });
  assert.match(debugging.stderr, /api_key=SECRET_FETCH/, 'LEAKTRACK_REDACT=0 shows them');
});

test('redaction rules: URLs, assignments and flags whose names look secret; what is not secret stays', () => {
  const { redact } = require('../dist/report/redact.js');
  assert.equal(redact('GET https://u:p@api.example/v1?key=abc&q=cats#top'), 'GET https://api.example/v1?key=…&q=…#top');
  assert.equal(redact('pg.Client to postgres://app:hunter2@db:5432/orders'), 'pg.Client to postgres://db:5432/orders');
  assert.equal(redact('node app.js --db-password=x --SESSION y -v PGPASSWORD=z AUTH_TOKEN=w'), 'node app.js --db-password=… --SESSION … -v PGPASSWORD=… AUTH_TOKEN=…');
  assert.equal(redact('client_secret: abc'), 'client_secret: …');
  assert.equal(redact('TCP socket to auth-service:8080'), 'TCP socket to auth-service:8080');
  assert.equal(redact('file /srv/keys/id.pem (fd 3)'), 'file /srv/keys/id.pem (fd 3)');
  assert.equal(redact('GET http://127.0.0.1:80/plain'), 'GET http://127.0.0.1:80/plain');
});

test("under the command, a child's stderr is its own: the leaks go to the summary only; LEAKTRACK_STDERR=0 silences the bare hook", async () => {
  const result = await leaktrack(['--', process.execPath, join(FIXTURES, 'cli', 'checks-child-stderr.mjs')]);
  assert.equal(result.stdout, 'child exited 0, stderr ""\n');
  assert.match(result.stderr, /^leaktrack: 2 of 2 processes reported; 2 leaks from 1 site/);
  const quiet = await run(join(FIXTURES, 'cli', 'child-files.mjs'), { env: { LEAKTRACK_STDERR: '0' } });
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.report.leaks.length, 2, 'the JSON report is still written');
});

test('the command is never silently green: an invalid config, or no process reporting, fails under --fail-on-leak', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'bad.json');
  writeFileSync(config, JSON.stringify({ ignore: [{ kind: 'net.Server', files: 'x' }] }));
  const refused = await leaktrack(['--fail-on-leak', '--', process.execPath, SUITE], { LEAKTRACK_CONFIG: config });
  assert.equal(refused.code, 2);
  assert.equal(refused.stdout, '', 'the command was not run');
  assert.match(refused.stderr, /^leaktrack: .*bad\.json: "ignore\[0\]"\.files is not a rule field \(kind, file, description\); leaktrack is off for this run$/m);
  const untracked = await leaktrack(['--', process.execPath, SUITE], { LEAKTRACK_CONFIG: config });
  assert.equal(untracked.code, 0);
  assert.equal(untracked.stdout, 'suite done\n');
  assert.equal(untracked.stderr.match(/is not a rule field/g)?.length, 1, 'said once, by the command, not by each process');

  const notNode = await leaktrack(['--fail-on-leak', '--', 'true']);
  assert.equal(notNode.code, 1);
  assert.match(notNode.stderr, /^leaktrack: no process reported: true started no Node process with the hook \(not Node, or NODE_OPTIONS was replaced\); failing \(--fail-on-leak\)$/m);
  assert.equal((await leaktrack(['--', 'true'])).code, 0, 'without --fail-on-leak: said, not failed');
});

const TWELVE_SITES = Array.from({ length: 12 }, () => "require('fs').openSync('/dev/null');").join('\n');

test('--format github: each annotation at the start of a line, at most 10, the rest counted; every site in the step summary', async (t) => {
  const summary = join(tempDir(t), 'summary.md');
  const program = `process.stdout.write('......');\n${TWELVE_SITES}`;
  const result = await leaktrack(['--format=github', '--', process.execPath, '-e', program], { GITHUB_STEP_SUMMARY: summary });
  assert.ok(result.stdout.startsWith('......\n::error '), result.stdout);
  const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::error '));
  assert.equal(annotations.length, 10);
  assert.match(annotations[9], /^::error title=leaktrack%3A more leaks::3 more sites \(3 leaks\) not annotated/);
  const table = readFileSync(summary, 'utf8');
  assert.match(table, /^### leaktrack: 12 leaks from 12 sites$/m);
  assert.equal(table.split('\n').filter((line) => line.startsWith('| fs.fd |')).length, 12);
});

test('SARIF: fingerprints stable across runs and line moves, a category for matrix jobs, --format=sarif, where it was written', async (t) => {
  const dir = tempDir(t);
  const sarifOf = async (program, name) => {
    const output = join(dir, name);
    const result = await leaktrack(['--format=sarif', `--output=${output}`, '--sarif-category', 'node-20', '--', process.execPath, '-e', program]);
    assert.match(result.stderr, new RegExp(`^leaktrack: SARIF written to ${output.replace(/[.]/g, '\\.')}$`, 'm'));
    return JSON.parse(readFileSync(output, 'utf8')).runs[0];
  };
  const first = await sarifOf(TWELVE_SITES, 'a.sarif');
  const again = await sarifOf(`\n\n${TWELVE_SITES}`, 'b.sarif'); // the same code, two lines lower
  assert.deepEqual(first.automationDetails, { id: 'node-20/' });
  const prints = (run) => run.results.map((result) => result.partialFingerprints['leaktrackSite/v1']);
  assert.equal(new Set(prints(first)).size, 1, 'one site text, one fingerprint');
  assert.deepEqual(prints(again), prints(first));
  assert.notDeepEqual(again.results.map((r) => r.locations[0].physicalLocation.region.startLine), first.results.map((r) => r.locations[0].physicalLocation.region.startLine));
});

test('the leaktrack command: resources open that no process could see (global MessageChannel ports, Node 22+) are in the summary and fail --fail-on-leak; merge keeps them', { skip: Number(process.versions.node.split('.')[0]) < 22 && 'Node 20 patches worker_threads at start: nothing is unseen there' }, async (t) => {
  const dir = tempDir(t);
  const json = join(dir, 'merged.json');
  const program = join(FIXTURES, 'message-ports-global.mjs');
  const result = await leaktrack(['--fail-on-leak', '--json', json, '--', process.execPath, program]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^leaktrack: 1 of 1 process reported; 0 leaks from 0 sites$/m);
  assert.match(result.stderr, /^ {2}2 worker_threads\.MessagePort still open where leaktrack could not see them/m);
  assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')).unseen, { 'worker_threads.MessagePort': 2 });
  assert.equal((await leaktrack(['--', process.execPath, program])).code, 0, 'without --fail-on-leak: said, not failed');
  const merged = await leaktrack(['merge', '--fail-on-leak', json, json]);
  assert.equal(merged.code, 1);
  assert.match(merged.stderr, /^ {2}4 worker_threads\.MessagePort still open/m);
});

test('leaktrack merge: shards\' --json reports folded into one summary, with --fail-on-leak and every format; a bad input is one line naming the file', async (t) => {
  const dir = tempDir(t);
  const [shardA, shardB, clean] = ['a.json', 'b.json', 'clean.json'].map((name) => join(dir, name));
  // Two shards of the same suite (the same sites in each), and a clean one.
  await Promise.all([
    leaktrack(['--json', shardA, '--', process.execPath, SUITE]),
    leaktrack(['--json', shardB, '--', process.execPath, SUITE]),
    leaktrack(['--json', clean, '--', process.execPath, join(FIXTURES, 'fs-clean.mjs')]),
  ]);
  const merged = join(dir, 'merged.json');
  const result = await leaktrack(['merge', '--fail-on-leak', '--format', 'github', '--json', merged, shardA, shardB, clean], { GITHUB_STEP_SUMMARY: '' });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^leaktrack: 7 of 9 processes reported; 8 leaks from 3 sites$/m);
  assert.match(result.stderr, /^ {2}2 processes, 4× fs\.FileHandle at test\/fixtures\/cli\/child-files\.mjs:5:\d+$/m);
  assert.equal(result.stdout.match(/^::error /gm).length, 3);
  const report = JSON.parse(readFileSync(merged, 'utf8'));
  assert.deepEqual(report.leaks.map((leak) => `${leak.kind} ${leak.openedAt.file}:${leak.openedAt.line}`).sort(), [...suiteLeaks(), ...suiteLeaks()].sort());
  assert.ok(report.leaks.every((leak) => leak.source === shardA || leak.source === shardB));
  // A merged report merges again; without --fail-on-leak the exit code is 0; only the clean shard passes.
  assert.equal((await leaktrack(['merge', merged])).code, 0);
  assert.equal((await leaktrack(['merge', '--fail-on-leak', clean])).code, 0);
  const sarif = join(dir, 'merged.sarif');
  assert.equal((await leaktrack(['merge', '--format=sarif', `--output=${sarif}`, shardA])).code, 0);
  assert.equal(JSON.parse(readFileSync(sarif, 'utf8')).runs[0].results.length, 3);

  const notJson = join(dir, 'not.json');
  const other = join(dir, 'other.json');
  const newer = join(dir, 'newer.json');
  writeFileSync(notJson, 'TAP version 13\n');
  writeFileSync(other, JSON.stringify({ numFailedTests: 0 }));
  writeFileSync(newer, JSON.stringify({ tool: 'leaktrack', version: 2, processes: [], leaks: [] }));
  for (const [file, reason] of [[notJson, 'not JSON, so not a leaktrack report'], [other, 'not a leaktrack report'], [newer, 'a leaktrack report of version 2; this leaktrack reads version 1'], [join(dir, 'missing.json'), 'no such file']]) {
    const bad = await leaktrack(['merge', '--fail-on-leak', shardA, file]);
    assert.equal(bad.code, 2, file);
    assert.equal(bad.stderr, `leaktrack: merge: ${file}: ${reason}\n`);
  }
  assert.match((await leaktrack(['merge'])).stderr, /^leaktrack: no report given to merge$/m);
});

test('sampled mode (LEAKTRACK_SAMPLE=1/N or a fraction; "sample" in the config): every open counted, a share tagged, the report and census say so; a bad rate is one line and all is tracked', async (t) => {
  const sampled = await run('sampled.cjs', { env: { LEAKTRACK_SAMPLE: '1/100' } });
  assert.equal(sampled.stdout, 'opened\n');
  // 2000 opens at 1 in 100: about 20 tagged (binomial; 5 and 50 are more than 4 standard deviations out).
  assert.ok(sampled.report.leaks.length >= 5 && sampled.report.leaks.length <= 50, String(sampled.report.leaks.length));
  assert.equal(sampled.report.sampled.rate, 0.01);
  // Every open the hook saw, Node's own included (loading the script's file is one).
  assert.ok(sampled.report.sampled.opened['fs.fd'] >= 2000 && sampled.report.sampled.opened['fs.fd'] <= 2005, JSON.stringify(sampled.report.sampled));
  assert.match(sampled.stderr, /^leaktrack: sampled \(1 in 100 opens tracked\): these are the leaks among the sampled opens; about 100× as many may be open$/m);

  const dir = tempDir(t);
  writeFileSync(join(dir, 'leaktrack.config.json'), JSON.stringify({ sample: 0.5 }));
  const fromFile = await run('sampled.cjs', { env: { LEAKTRACK_CONFIG: join(dir, 'leaktrack.config.json') } });
  assert.equal(fromFile.report.sampled.rate, 0.5);
  assert.ok(fromFile.report.leaks.length > 800 && fromFile.report.leaks.length < 1200, String(fromFile.report.leaks.length));

  for (const bad of ['2', '1/0', 'often', '0']) {
    const result = await run('sampled.cjs', { env: { LEAKTRACK_SAMPLE: bad } });
    assert.equal(result.stderr.split('\n')[0], `leaktrack: LEAKTRACK_SAMPLE=${JSON.stringify(bad)} is not a sample rate (1/N, or a fraction in (0, 1] like 0.01); every open is tracked`);
    assert.equal(result.report.leaks.length, 2000);
    assert.equal(result.report.sampled, undefined);
  }
  const failing = await run('sampled.cjs', { env: { LEAKTRACK_SAMPLE: '1/100', LEAKTRACK_FAIL: '1' } });
  assert.equal(failing.stderr.split('\n')[0], 'leaktrack: LEAKTRACK_SAMPLE is ignored with LEAKTRACK_FAIL: a verdict needs every open; every open is tracked');
  assert.equal(failing.report.leaks.length, 2000);
  assert.equal(failing.code, 1);

  const census = await run('census-server.mjs', { env: { LEAKTRACK_INTERVAL: '150ms', RUN_MS: '1500', LEAK: '1', LEAKTRACK_SAMPLE: '1/2' } });
  assert.match(census.stderr, /^leaktrack: growing: ≈\d+× fs\.FileHandle open \(\d+ sampled, 1 in 2\), opened at test\/fixtures\/leaky-service\.mjs:\d+:\d+ /m, census.stderr);
});

test('the census on OpenTelemetry (a real SDK MeterProvider and LoggerProvider) and prom-client: open resources by kind as a metric and a gauge, growing sites as log records; nothing without the census', async () => {
  const env = { LEAKTRACK_INTERVAL: '150ms', RUN_MS: '1500', LEAKTRACK_STDERR: '0' };
  const output = (result) => JSON.parse(result.stdout.trim().split('\n').pop());
  const leaky = output(await run('census-otel.mjs', { env: { ...env, LEAK: '1' } }));
  // The counter reads the census of the last interval: at most one interval's requests behind.
  assert.ok(leaky.points['fs.FileHandle'] > leaky.kept / 2 && leaky.points['fs.FileHandle'] <= leaky.kept, JSON.stringify(leaky.points));
  assert.equal(leaky.points['net.Server'], 1);
  assert.ok(leaky.logBodies.length >= 1);
  assert.match(leaky.logBodies[0].body, /^growing: \d+× fs\.FileHandle open, opened at test\/fixtures\/leaky-service\.mjs:\d+:\d+$/);
  assert.equal(leaky.logBodies[0].attributes['leaktrack.kind'], 'fs.FileHandle');
  assert.match(leaky.prom, /^leaktrack_resources_open\{kind="fs\.FileHandle"\} \d+$/m);

  const clean = output(await run('census-otel.mjs', { env }));
  assert.ok((clean.points['fs.FileHandle'] ?? 0) <= 1, 'at most the one request in flight at the last census ' + JSON.stringify(clean)); // a clean service closes each file within its request
  assert.deepEqual(clean.logBodies, []);

  const noCensus = output(await run('census-otel.mjs', { env: { RUN_MS: '300', LEAK: '1' } }));
  assert.deepEqual([noCensus.points, noCensus.logBodies, noCensus.prom], [{}, [], null], 'without LEAKTRACK_INTERVAL nothing is added to the program\'s engines');
});

test('a resource opened deeper in library code than the capture reaches is said, not silently dropped; LEAKTRACK_DEPTH reaches the user\'s line', async () => {
  const app = join(FIXTURES, 'deep', 'app.cjs');
  const shallow = await run(app, { cwd: join(FIXTURES, 'deep') });
  assert.equal(shallow.stdout, 'opened\n');
  assert.deepEqual(shallow.report.leaks, []);
  assert.equal(shallow.report.deeperThanCapture, 1);
  assert.match(shallow.stderr, /^leaktrack: 1 resource still open was opened more than 12 frames deep in library code, with no frame of yours among them, so it is not listed; LEAKTRACK_DEPTH=40 looks deeper \(each open costs more\)$/m);
  const deep = await run(app, { cwd: join(FIXTURES, 'deep'), env: { LEAKTRACK_DEPTH: '40' } });
  assertLeaksAsDeclared(deep);
  assert.equal(deep.report.deeperThanCapture, undefined);
  const bad = await run(app, { cwd: join(FIXTURES, 'deep'), env: { LEAKTRACK_DEPTH: 'deep' } });
  assert.equal(bad.stderr.split('\n')[0], 'leaktrack: LEAKTRACK_DEPTH="deep" is not a whole number of frames from 1 to 200; keeping 12');
});
