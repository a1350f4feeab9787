// Module definitions in process: install, exercise, uninstall. Each builtin
// definition's unpatch restores exactly what its patch replaced, and the
// behaviours below are checked without a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { channel, hasSubscribers } from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');
const timers = require('node:timers');
const childProcess = require('node:child_process');
const workerThreads = require('node:worker_threads');
const dgram = require('node:dgram');
const http2 = require('node:http2');
const { definitions, kindNames } = require('../dist/instrument/index.js');
const { install, uninstall } = require('../dist/instrument/install.js');
const { processTracker } = require('../dist/core/tracker.js');
const { findLeaks } = require('../dist/report/leaks.js');
const { satisfies } = require('../dist/instrument/versions.js');
const HERE = fileURLToPath(import.meta.url);

const byName = (name) => definitions.find((definition) => definition.name === name);
const openOf = (kind) => processTracker.open().filter((tag) => tag.kind === kind);

/** Every function property a builtin definition may replace, as it is now. */
function snapshot() {
  const targets = {
    fs, 'fs.promises': fs.promises, 'net.Socket.prototype': net.Socket.prototype, 'net.Server.prototype': net.Server.prototype,
    http, https, timers, 'timers.promises': timers.promises, 'ChildProcess.prototype': childProcess.ChildProcess.prototype,
    worker_threads: workerThreads, 'MessagePort.prototype': workerThreads.MessagePort.prototype, dgram, http2,
  };
  const values = {};
  for (const [name, target] of Object.entries(targets)) {
    for (const key of Reflect.ownKeys(target)) {
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (typeof descriptor?.value === 'function') values[`${name}.${String(key)}`] = descriptor.value;
    }
  }
  values['globalThis.fetch'] = globalThis.fetch;
  values['globalThis.setInterval'] = globalThis.setInterval;
  return values;
}

test('each builtin definition patches on install and puts back exactly the originals on uninstall', () => {
  const before = snapshot();
  const builtinOnly = (d) => d.files.every((file) => file.file.startsWith('node:') || file.file === 'globalThis');
  for (const definition of definitions.filter(builtinOnly)) {
    if (definition.files.length === 0) {
      // Channels only (undici's WebSocket): subscribed on install, and no more after uninstall.
      const names = definition.channels.map((source) => source.channel);
      assert.deepEqual(names.filter(hasSubscribers), [], definition.name);
      install([definition]);
      assert.deepEqual(names.filter(hasSubscribers), names, `${definition.name} subscribed`);
      uninstall(definition);
      assert.deepEqual(names.filter(hasSubscribers), [], `${definition.name} left subscriptions behind`);
      continue;
    }
    install([definition]);
    const after = snapshot();
    const patched = Object.keys(before).filter((key) => after[key] !== before[key]);
    assert.ok(patched.length > 0, `${definition.name} patched nothing`);
    uninstall(definition);
    assert.deepEqual(Object.keys(before).filter((key) => snapshot()[key] !== before[key]), [], `${definition.name} left patches behind`);
    // No property of leaktrack's on what the program sees: a wrapper has the original's symbols, no more.
    for (const key of patched) assert.deepEqual(Object.getOwnPropertySymbols(after[key]), Object.getOwnPropertySymbols(before[key]), key);
  }
});

test('fs: a FileHandle is tagged at the caller\'s line, closing ends the tag; after uninstall nothing is tagged', async () => {
  install([byName('fs')]);
  try {
    const handle = await fs.promises.open(HERE); const line = lineOf('fs.promises.open(HERE); const line');
    const [leak] = findLeaks(openOf('fs.FileHandle'));
    assert.equal(leak.openedAt.file, HERE);
    assert.equal(leak.openedAt.line, line);
    await handle.close();
    assert.deepEqual(openOf('fs.FileHandle'), []);
  } finally {
    uninstall(byName('fs'));
  }
  const untracked = await fs.promises.open(HERE);
  assert.deepEqual(openOf('fs.FileHandle'), []);
  await untracked.close();
});

test('fs.fd: a number closed by a way leaktrack did not see and handed out again is one resource, not two', () => {
  const closeUnseen = fs.closeSync; // taken before the patch, like a library that kept its own reference
  install([byName('fs')]);
  try {
    const first = fs.openSync(HERE);
    closeUnseen(first);
    const second = fs.openSync(HERE);
    assert.equal(second, first, 'the OS reuses the lowest free number');
    assert.equal(openOf('fs.fd').length, 1);
    fs.closeSync(second);
    assert.deepEqual(openOf('fs.fd'), []);
  } finally {
    uninstall(byName('fs'));
  }
});

test('http.Agent: an agent with no idle socket yet is not dropped, and is open once it keeps one', async (t) => {
  install([byName('http')]);
  const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1');
  t.after(() => {
    uninstall(byName('http'));
    server.close();
  });
  await once(server, 'listening');
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  assert.equal(openOf('http.Agent').length, 0, 'nothing idle: not open');
  // Many opens pass the agent's tag through the tracker's young queue while it holds nothing.
  const stale = [];
  for (let i = 0; i < 100; i++) stale.push(processTracker.create('test.Filler'));
  for (const tag of stale) tag.close();
  await new Promise((resolve) => http.get(`http://127.0.0.1:${server.address().port}/`, { agent }, (res) => res.resume().on('end', resolve)));
  await new Promise((resolve) => setImmediate(resolve)); // the socket goes back to the agent
  assert.equal(openOf('http.Agent').length, 1, 'idle keep-alive socket: open again');
});

test('a diagnostics channel as the source of opens: subscribed on install, left on uninstall', () => {
  const kind = { name: 'test.Published', isOpen: (thing) => !thing.closed };
  const definition = {
    name: 'test-channel',
    kinds: [kind],
    files: [],
    channels: [{ channel: 'leaktrack:test:open', onMessage: (message) => processTracker.track(kind, message.thing) }],
  };
  install([definition]);
  const thing = { closed: false };
  channel('leaktrack:test:open').publish({ thing });
  assert.equal(openOf('test.Published').length, 1);
  uninstall(definition);
  channel('leaktrack:test:open').publish({ thing: { closed: false } });
  assert.equal(openOf('test.Published').length, 1, 'no longer subscribed');
  thing.closed = true;
});

test('the registry: kind names are family.Name, each produced by one definition', () => {
  const names = kindNames();
  assert.ok(names.length >= 14);
  for (const name of names) assert.match(name, /^[a-z_0-9]+\.[A-Z][A-Za-z]+$|^fs\.fd$/, name);
  const owners = names.map((name) => definitions.filter((d) => d.kinds.some((kind) => kind.name === name)).length);
  assert.ok(owners.every((n) => n === 1));
});

test('version ranges of module definitions', () => {
  assert.equal(satisfies('8.23.1', '8.x'), true);
  assert.equal(satisfies('9.0.0', '8.x'), false);
  assert.equal(satisfies('22.15.0', '>=22.15'), true);
  assert.equal(satisfies('22.14.9', '>=22.15'), false);
  assert.equal(satisfies('7.3.0', '>=6 <8'), true);
  assert.equal(satisfies('8.0.0', '>=6 <8'), false);
  assert.equal(satisfies('7.1.0', '6.x || 7.x'), true);
  assert.equal(satisfies('unknown', '8.x'), false);
});

function lineOf(text) {
  return require('node:fs').readFileSync(HERE, 'utf8').split('\n').findIndex((line) => line.includes(text)) + 1;
}
