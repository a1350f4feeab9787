// Stack capture is split in two on purpose: capturing (on every open, so it
// must be cheap) records V8's structured call sites without formatting them;
// resolving (only when a report is made) turns them into file/line/column,
// applies source maps and finds the first frame in the user's own code.
// (Copying each site's fields at open costs more per open than the capture
// itself; what the lazy stack keeps alive is released by the tracker's young
// sweep.)
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
// Named imports: a namespace import would read every export of node:module,
// and loading its SourceMap class costs start-up time; it is needed at report time only.
import { findSourceMap, SourceMap } from 'node:module';
import { processWide } from './process-wide';

/**
 * How many frames an opening stack keeps: enough to get past a few library
 * frames to the user's. Capture cost grows with depth (bench/capture-floor.mjs
 * measures it). LEAKTRACK_DEPTH changes it, for libraries that open deep in
 * their own code.
 */
export const DEFAULT_STACK_DEPTH = 12;
let stackDepth = DEFAULT_STACK_DEPTH;

export function setStackDepth(depth: number): void {
  stackDepth = depth;
}

export function currentStackDepth(): number {
  return stackDepth;
}

/** An opaque holder: V8 formats its `stack` lazily, on first read. */
export interface CapturedStack {
  stack?: unknown;
  /** The creation number of a tag made later from this stack (taken at the call, see Tag.seq). */
  seq?: number;
}

export interface Frame {
  file: string;
  line: number;
  column: number;
  function: string;
}

/**
 * Record the current call sites, leaving out `above` and every frame above it
 * (the leaktrack wrapper and whatever called into it from outside).
 * The hot path (the record step) does the same inline; see there.
 */
export function captureStack(above: Function): CapturedStack {
  const holder: CapturedStack = {};
  const limit = raiseStackLimit();
  try {
    Error.captureStackTrace(holder, above);
  } finally {
    restoreStackLimit(limit);
  }
  return holder;
}

/**
 * Error.stackTraceLimit belongs to the program: raised only for one capture,
 * and left as it is where the program made it read-only (a frozen Error):
 * then the program's own limit applies. Returns the limit to put back, or
 * undefined when nothing was changed.
 */
export function raiseStackLimit(depth = stackDepth): number | undefined {
  const limit = Error.stackTraceLimit;
  return limit === depth || !setStackTraceLimit(depth) ? undefined : limit;
}

export function restoreStackLimit(limit: number | undefined): void {
  if (limit !== undefined) setStackTraceLimit(limit);
}

function setPrepareStackTrace(formatter: typeof Error.prepareStackTrace): boolean {
  try {
    Error.prepareStackTrace = formatter;
  } catch {
    return false;
  }
  return Error.prepareStackTrace === formatter;
}

function setStackTraceLimit(limit: number): boolean {
  try {
    Error.stackTraceLimit = limit;
  } catch {
    return false; // strict-mode assignment to a frozen Error
  }
  return Error.stackTraceLimit === limit; // sloppy-mode assignments fail silently
}

const toCallSites = (_error: unknown, sites: NodeJS.CallSite[]) => sites;

/**
 * A captured stack as V8's call sites: our formatter for this one read
 * only; the program's (tsx, source-map-support) is put back before anything
 * else can run. A frozen Error keeps the program's: then `sites` is its text.
 */
function readCallSites(holder: CapturedStack): { sites: unknown; programFormatter: typeof Error.prepareStackTrace } {
  const programFormatter = Error.prepareStackTrace;
  const replaced = setPrepareStackTrace(toCallSites);
  let sites: unknown;
  try {
    sites = holder.stack;
  } catch {
    sites = undefined;
  } finally {
    if (replaced) setPrepareStackTrace(programFormatter);
  }
  return { sites, programFormatter };
}

/**
 * The function that called `above`, as "file:name" (`node:fs:readFileSync`),
 * from one frame. Undefined when it cannot be told (a frozen Error).
 */
export function callerOf(above: Function): string | undefined {
  const holder: CapturedStack = {};
  const limit = raiseStackLimit(1);
  try {
    Error.captureStackTrace(holder, above);
  } finally {
    restoreStackLimit(limit);
  }
  const { sites } = readCallSites(holder);
  const site = Array.isArray(sites) ? (sites[0] as NodeJS.CallSite | undefined) : undefined;
  return site ? `${site.getFileName()}:${site.getFunctionName()}` : undefined;
}

/** All frames of a captured stack, positions mapped to original sources. */
export function resolveStack(holder: CapturedStack): Frame[] {
  const { sites, programFormatter } = readCallSites(holder);
  if (Array.isArray(sites)) {
    // A formatter the program installed (source-map-support, Vitest, Jest)
    // knows the source maps of the code it generated: ask it first.
    // (Node's own default, which newer Node exposes here, is not one of them.)
    const installed = programFormatter && programFormatter.name !== 'ErrorPrepareStackTrace';
    const mapped = installed ? framesFromFormatter(programFormatter, sites) : undefined;
    return mapped ?? sites.map(frameOfCallSite).filter((f): f is Frame => f !== undefined);
  }
  // Error.prepareStackTrace could not be replaced (frozen Error): parse text.
  return typeof sites === 'string' ? parseStackText(sites) : [];
}

function framesFromFormatter(formatter: NonNullable<typeof Error.prepareStackTrace>, sites: NodeJS.CallSite[]): Frame[] | undefined {
  const text = safe(() => formatter(new Error('leaktrack'), sites));
  if (typeof text !== 'string') return undefined;
  const frames = parseStackText(text);
  return frames.length > 0 ? frames : undefined;
}

function frameOfCallSite(site: NodeJS.CallSite): Frame | undefined {
  const file = site.getFileName() ?? site.getScriptNameOrSourceURL?.();
  if (!file) return undefined;
  const frame: Frame = {
    file: normalizeFile(file),
    line: site.getLineNumber() ?? 0,
    column: site.getColumnNumber() ?? 0,
    function: functionLabel(site),
  };
  return applySourceMap(frame);
}

/** The name V8 itself would print: `Class.method`, `new Class`, `fn`. */
function functionLabel(site: NodeJS.CallSite): string {
  const name = site.getFunctionName() ?? site.getMethodName();
  if (site.isConstructor()) return `new ${name ?? '<anonymous>'}`;
  if (!name) return '<anonymous>';
  const type = site.isToplevel() ? null : safe(() => site.getTypeName());
  return type && !name.startsWith(`${type}.`) ? `${type}.${name}` : name;
}

const STACK_LINE = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

function parseStackText(text: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of text.split('\n')) {
    const m = STACK_LINE.exec(line);
    if (m) {
      const name = (m[1] ?? '').replace(/^async /, '');
      // Text comes from a formatter, which applied any source maps it knows: never map twice.
      frames.push({ file: normalizeFile(m[2]), line: Number(m[3]), column: Number(m[4]), function: name || '<anonymous>' });
    }
  }
  return frames;
}

function normalizeFile(file: string): string {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file);
    } catch {
      return file;
    }
  }
  return file;
}

function safe<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

// ---- source maps (report time only) ----------------------------------------

type SourceMapLike = { findEntry(line: number, column: number): Record<string, unknown> };
const sourceMaps = new Map<string, SourceMapLike | null>();

/**
 * Map a generated position back to its source: first through the maps Node
 * registered (tsx, --enable-source-maps), then through a `.map` file named by
 * the script's `sourceMappingURL` comment (plain `tsc` output).
 */
function applySourceMap(frame: Frame): Frame {
  if (!isAbsolute(frame.file) || frame.line < 1) return frame;
  const map = sourceMapFor(frame.file);
  if (!map) return frame;
  const entry = safe(() => map.findEntry(frame.line - 1, frame.column - 1));
  const source = entry?.originalSource;
  if (typeof source !== 'string' || typeof entry?.originalLine !== 'number') return frame;
  return {
    file: normalizeFile(source.startsWith('file://') || isAbsolute(source) ? source : resolve(dirname(frame.file), source)),
    line: entry.originalLine + 1,
    column: (entry.originalColumn as number) + 1,
    function: frame.function,
  };
}

function sourceMapFor(file: string): SourceMapLike | null {
  let map = sourceMaps.get(file);
  if (map !== undefined) return map;
  map = safe(() => findSourceMap(file) as SourceMapLike | undefined) ?? readSourceMapFile(file);
  sourceMaps.set(file, map);
  return map;
}

const MAPPING_URL = /\/\/# sourceMappingURL=([^\s'"]+)\s*$/;

function readSourceMapFile(file: string): SourceMapLike | null {
  if (!/\.[cm]?js$/.test(file) || !SourceMap) return null;
  return safe(() => {
    const tail = readFileSync(file, 'utf8').slice(-4096);
    const url = MAPPING_URL.exec(tail)?.[1];
    if (!url) return null;
    const payload = url.startsWith('data:')
      ? Buffer.from(url.slice(url.indexOf(',') + 1), url.includes(';base64,') ? 'base64' : 'utf8').toString('utf8')
      : readFileSync(resolve(dirname(file), url), 'utf8');
    return new SourceMap(JSON.parse(payload)) as unknown as SourceMapLike;
  });
}

// ---- whose code is it -------------------------------------------------------

/**
 * The package root, from where this code runs: dist/core/, dist/ (the hook's
 * bundle) or src/core/ (under tsx).
 */
function packageRootOf(dir: string): string {
  const parts = dir.split(sep);
  const at = Math.max(parts.lastIndexOf('dist'), parts.lastIndexOf('src'));
  return at > 0 ? parts.slice(0, at).join(sep) : resolve(dir, '..', '..');
}

/** leaktrack's own files: its compiled output and its register entry point. */
const PACKAGE_ROOT = packageRootOf(__dirname);
const OWN_PATHS = [join(PACKAGE_ROOT, 'dist') + sep, join(PACKAGE_ROOT, 'src') + sep, join(PACKAGE_ROOT, 'register.mjs')];

/**
 * Library folders outside node_modules: a package a module definition
 * patches, reached through a symlink (a workspace), runs from its real path.
 */
const libraryRoots = processWide('libraryRoots', () => [] as string[]);

export function addLibraryRoot(dir: string): void {
  const root = dir.endsWith(sep) ? dir : dir + sep;
  if (!libraryRoots.includes(root)) libraryRoots.push(root);
}

/** A frame in the user's own code: not leaktrack, not Node, not node_modules, not a linked library. */
export function isUserFrame(frame: Frame): boolean {
  const file = frame.file;
  if (file.startsWith('node:') || file.startsWith('internal/')) return false;
  if (file.includes(`${sep}node_modules${sep}`) || file.includes('/node_modules/')) return false;
  if (libraryRoots.length > 0 && libraryRoots.some((root) => file.startsWith(root))) return false;
  return !OWN_PATHS.some((own) => file.startsWith(own));
}

export function firstUserFrame(frames: Frame[]): Frame | undefined {
  return frames.find(isUserFrame);
}

/**
 * A test runner's own code (node:test, Jest, Vitest, Mocha). What it opens
 * while the user's code calls into it (the reporter's file stream node:test
 * opens at the first `test()` call) is the runner's, not the user's.
 */
const TEST_RUNNER = /^node:internal\/test_runner\/|[\\/]node_modules[\\/](?:jest-[^\\/]+|@jest[\\/][^\\/]+|vitest|@vitest[\\/][^\\/]+|mocha|tinypool)[\\/]/;

export function isTestRunnerFrame(frame: Frame): boolean {
  return TEST_RUNNER.test(frame.file);
}
