// Loads dist/hook.bundle.js for `register.mjs`, through V8's code cache.
// Compiling the 90 kB bundle, and then each function start() calls, cost
// about 8 ms of every hooked process's start-up; from the cache, about 2.
// The cache is leaktrack's own file beside the bundle, one per Node version
// and bundle build, written once (atomically) after the first start. Where
// it cannot be read or written (a read-only install), the bundle compiles
// as it would without it.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { StartedBy } from './start';

const BUNDLE = join(__dirname, 'hook.bundle.js');
const CACHE_DIR = join(__dirname, '.cache');

interface Hook {
  start(by: StartedBy): unknown;
}

/** Load the bundle and call its start(by). */
export function startHook(by: StartedBy): void {
  const source = readFileSync(BUNDLE, 'utf8');
  const cacheFile = cacheFileFor(source);
  const cachedData = cacheFile ? readOrUndefined(cacheFile) : undefined;
  // The wrapper CommonJS gives a module: the bundle is one.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData });
  const module = { exports: {} as Hook };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, __dirname);
  module.exports.start(by);
  // After start: the cache then holds the functions start() compiled too.
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) writeCache(cacheFile, script);
}

/**
 * One cache per Node version, architecture, bundle build (its size and time)
 * and set of Node options: V8 rejects a cache made under other flags
 * (`--expose-gc`), and processes started both ways must not keep replacing
 * each other's.
 */
function cacheFileFor(source: string): string | undefined {
  try {
    const { mtimeMs } = statSync(BUNDLE);
    const flags = hash(`${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`);
    return join(CACHE_DIR, `hook-${process.version}-${process.arch}-${source.length}-${Math.trunc(mtimeMs)}-${flags}.bin`);
  } catch {
    return undefined;
  }
}

/** FNV-1a, in hex: a short name for a string (node:crypto costs start-up time). */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(file: string, script: Script): void {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, file); // whole or not at all: processes start side by side
  } catch {
    // read-only, or no room: the next start compiles again
  }
}
