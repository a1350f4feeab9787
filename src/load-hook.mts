// Loads dist/hook.bundle.js for `register.mjs`, through V8's code cache.
// Compiling the 90 kB bundle, and then each function start() calls, cost
// about 8 ms of every hooked process's start-up; from the cache, about 2.
// The cache is leaktrack's own file beside the bundle, one per Node version
// and bundle build, written once (atomically) after the first start. Where
// it cannot be read or written (a read-only install), the bundle compiles
// as it would without it.
//
// ESM with no import of a builtin, on purpose: an ESM import of node:fs
// builds its namespace from every export, which loads fs/promises and the
// streams, and loading a CommonJS file first starts the CommonJS loader;
// each costs a program that uses neither (an ESM app, `node -e`) start-up
// time. Builtins come from process.getBuiltinModule (Node 20.16+, 22.3+).
import type { StartedBy } from './start.js';

type GetBuiltin = (id: string) => any;
const getBuiltin: GetBuiltin =
  (process as { getBuiltinModule?: GetBuiltin }).getBuiltinModule?.bind(process) ?? ((await import('node:module')).createRequire(import.meta.url) as GetBuiltin);
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = getBuiltin('node:fs') as typeof import('node:fs');
const { join } = getBuiltin('node:path') as typeof import('node:path');
const { Script } = getBuiltin('node:vm') as typeof import('node:vm');

const DIST = import.meta.dirname ?? join((getBuiltin('node:url') as typeof import('node:url')).fileURLToPath(new URL('.', import.meta.url)));
const BUNDLE = join(DIST, 'hook.bundle.js');
const CACHE_DIR = join(DIST, '.cache');

/**
 * The bundle's require(): builtins as Node has them (through the original
 * getBuiltinModule: start() wraps it to see builtins reached), anything else
 * through a CommonJS require made only when asked. require-in-the-middle,
 * bundled in, asks for `path` and `module`, and reads `require.cache` and
 * `require.resolve`: those are the CommonJS require's.
 */
function bundleRequire(): (id: string) => unknown {
  const { createRequire, isBuiltin } = getBuiltin('node:module') as typeof import('node:module');
  let packages: NodeJS.Require | undefined;
  const packageRequire = () => (packages ??= createRequire(BUNDLE));
  const require = (id: string) => (isBuiltin(id) ? getBuiltin(id) : packageRequire()(id));
  Object.defineProperties(require, { cache: { get: () => packageRequire().cache }, resolve: { get: () => packageRequire().resolve } });
  return require;
}

interface Hook {
  /** The configuration in force; undefined when tracking is off (LEAKTRACK=0, a worker thread). */
  start(by: StartedBy, afterExitReport?: () => void): unknown;
}

/** Load the bundle and call its start(by). */
export function startHook(by: StartedBy): void {
  // latin1: a one-byte string, decoded without UTF-8's cost (~0.4 ms for
  // this size). esbuild writes ASCII (it escapes any other character in
  // strings and regular expressions); a test keeps the bundle so.
  const source = readFileSync(BUNDLE, 'latin1');
  const cacheFile = cacheFileFor(source);
  const cachedData = cacheFile ? readOrUndefined(cacheFile) : undefined;
  // The wrapper CommonJS gives a module: the bundle is one.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData });
  const module = { exports: {} as Hook };
  script.runInThisContext()(module.exports, bundleRequire(), module, BUNDLE, DIST);
  const writesCache = cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected);
  // Written twice, by the first start alone: after a start that tracks (a
  // process killed later still leaves one), and again after the exit
  // report, so that the report's functions (compiled at every exit
  // otherwise, ~1 M instructions) come from the cache too. A run with
  // tracking off writes none: its cache would lack start()'s functions,
  // and every later start would compile them again.
  const afterExitReport = writesCache ? () => writeCache(cacheFile, script) : undefined;
  const tracking = module.exports.start(by, afterExitReport) !== undefined;
  if (tracking && writesCache) writeCache(cacheFile, script);
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

function writeCache(file: string, script: InstanceType<typeof Script>): void {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, file); // whole or not at all: processes start side by side
    removeOtherBuilds(file);
  } catch {
    // read-only, or no room: the next start compiles again
  }
}

/** Caches of an earlier bundle build can never be used again (an upgrade, a rebuild): the folder does not grow. */
function removeOtherBuilds(file: string): void {
  const build = /-(\d+-\d+)-[0-9a-f]+\.bin$/.exec(file)?.[1];
  for (const name of readdirSync(CACHE_DIR)) {
    if (build && name.startsWith('hook-') && name.endsWith('.bin') && !name.includes(`-${build}-`)) rmSync(join(CACHE_DIR, name), { force: true });
  }
}
