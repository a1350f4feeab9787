// The stderr report: grouped by kind, identical sites folded with a count,
// user frames relative to the cwd, a summary line, colour only when wanted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { formatText, stderrWantsColor } = require('../dist/report/text.js');

const frame = (file, line, fn = 'load') => ({ file, line, column: 7, function: fn });
const leak = (kind, frames, description) => ({ kind, openedAt: frames[0], stack: frames, description });
const loadSite = [frame('/app/src/load.ts', 12), frame('/app/src/main.ts', 3, 'main')];
const leaks = [
  leak('fs.FileHandle', loadSite, 'file a.json (fd 20)'),
  leak('net.Socket', [frame('/app/src/dial.ts', 5, 'dial')], 'TCP socket to 127.0.0.1:5432'),
  leak('fs.FileHandle', loadSite, 'file b.json (fd 21)'),
  leak('fs.FileHandle', loadSite, 'file c.json (fd 22)'),
  leak('fs.FileHandle', [frame('/elsewhere/lib.js', 1, 'open')], 'file d.json (fd 23)'),
];

test('grouped by kind, folded by site with a count, paths relative to the cwd, summary last', () => {
  const text = formatText(leaks, { cwd: '/app', color: false });
  assert.equal(
    text,
    [
      'leaktrack: 5 resources still open',
      '',
      'fs.FileHandle (4)',
      '  3× fs.FileHandle opened at src/load.ts:12:7',
      '    file a.json (fd 20) (and 2 more)',
      '      at load (src/load.ts:12:7)',
      '      at main (src/main.ts:3:7)',
      '  fs.FileHandle opened at /elsewhere/lib.js:1:7',
      '    file d.json (fd 23)',
      '      at open (/elsewhere/lib.js:1:7)',
      '',
      'net.Socket (1)',
      '  net.Socket opened at src/dial.ts:5:7',
      '    TCP socket to 127.0.0.1:5432',
      '      at dial (src/dial.ts:5:7)',
      '',
      'leaktrack: 5 leaks from 3 sites: 4 fs.FileHandle, 1 net.Socket',
      '',
    ].join('\n'),
  );
});

test('no leaks, no text; colour codes only when asked for', () => {
  assert.equal(formatText([], { cwd: '/app' }), '');
  assert.doesNotMatch(formatText(leaks, { cwd: '/app', color: false }), /\x1b\[/);
  const coloured = formatText(leaks, { cwd: '/app', color: true });
  assert.match(coloured, /\x1b\[31m3× fs\.FileHandle\x1b\[39m/);
  assert.equal(coloured.replace(/\x1b\[\d+m/g, ''), formatText(leaks, { cwd: '/app', color: false }));
});

test('NO_COLOR wins, FORCE_COLOR forces, otherwise only a terminal gets colour', () => {
  assert.equal(stderrWantsColor({ NO_COLOR: '1', FORCE_COLOR: '1' }), false);
  assert.equal(stderrWantsColor({ FORCE_COLOR: '1' }), true);
  assert.equal(stderrWantsColor({ FORCE_COLOR: '0' }), process.stderr.isTTY === true);
});
