// Stack capture is split in two on purpose. Capturing (on every open, so it
// must be cheap) copies each call site's file, line, column and function
// name into one flat array: no string formatting, and no reference to the
// frames' functions and receivers. (V8's lazy `.stack` keeps those alive
// until it is formatted: measured, that retention costs more in GC than
// copying four fields per frame costs up front.) Resolving, only when a
// report is made, turns the copy into frames, applies source maps and finds
// the first frame in the user's own code.
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';

/**
 * How many frames an opening stack keeps: enough to get past a few library
 * frames to the user's. Capture cost grows with depth (measured: ~5 µs at 10-12
 * frames, ~9.5 µs at 24, inside async code).
 */
export const STACK_DEPTH = 12;

/**
 * An opening stack. `sites`: file, line, column, function per frame, flat.
 * `stack`: only when the program's Error could not lend its formatter (a
 * frozen Error); then V8's lazy text is read at report time.
 */
export interface CapturedStack {
  sites?: (string | number)[];
  stack?: unknown;
}

export interface Frame {
  file: string;
  line: number;
  column: number;
  function: string;
}

const FIELDS = 4;
const toCallSites = (_error: unknown, sites: NodeJS.CallSite[]) => sites;

/**
 * Record the current call sites, leaving out `above` and every frame above it
 * (the leaktrack wrapper and whatever called into it from outside).
 * Error.stackTraceLimit and Error.prepareStackTrace belong to the program:
 * changed only for this call.
 */
export function captureStack(above: Function): CapturedStack {
  const holder: CapturedStack = {};
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  let sites: unknown;
  try {
    Error.stackTraceLimit = STACK_DEPTH;
    Error.prepareStackTrace = toCallSites;
    Error.captureStackTrace(holder, above);
    if (Error.prepareStackTrace === toCallSites) sites = holder.stack;
  } catch {
    // A frozen Error: keep V8's lazy stack instead.
  } finally {
    if (Error.stackTraceLimit !== limit) Error.stackTraceLimit = limit;
    if (Error.prepareStackTrace !== prepare) Error.prepareStackTrace = prepare;
  }
  if (!Array.isArray(sites)) return holder;
  const flat: (string | number)[] = new Array(sites.length * FIELDS);
  for (let i = 0; i < sites.length; i++) {
    const site = sites[i] as NodeJS.CallSite;
    flat[i * FIELDS] = site.getFileName() ?? site.getScriptNameOrSourceURL?.() ?? '';
    flat[i * FIELDS + 1] = site.getLineNumber() ?? 0;
    flat[i * FIELDS + 2] = site.getColumnNumber() ?? 0;
    flat[i * FIELDS + 3] = functionLabel(site);
  }
  return { sites: flat };
}

/** All frames of a captured stack, positions mapped to original sources. */
export function resolveStack(captured: CapturedStack): Frame[] {
  const recorded = captured.sites ? recordedFrames(captured.sites) : textFrames(captured);
  // A formatter the program installed (source-map-support, Vitest) knows the
  // source maps of the code it generated: ask it first. Node's own default,
  // which newer Node exposes as Error.prepareStackTrace, is not one of them.
  const formatter = Error.prepareStackTrace;
  if (captured.sites && formatter && formatter.name !== 'ErrorPrepareStackTrace') {
    const mapped = framesFromFormatter(formatter, recorded);
    if (mapped) return mapped;
  }
  return captured.sites ? recorded.map((frame) => applySourceMap({ ...frame, file: normalizeFile(frame.file) })) : recorded;
}

/** As V8 named them (file URLs for ESM): what a program's formatter expects. */
function recordedFrames(flat: (string | number)[]): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < flat.length; i += FIELDS) {
    const file = flat[i] as string;
    if (file) frames.push({ file, line: flat[i + 1] as number, column: flat[i + 2] as number, function: flat[i + 3] as string });
  }
  return frames;
}

/** The frozen-Error case: V8's text, formatted by whatever the program has. */
function textFrames(captured: CapturedStack): Frame[] {
  const text = safe(() => captured.stack);
  return typeof text === 'string' ? parseStackText(text) : [];
}

function framesFromFormatter(formatter: NonNullable<typeof Error.prepareStackTrace>, frames: Frame[]): Frame[] | undefined {
  const text = safe(() => formatter(new Error('leaktrack'), frames.map((frame) => new RecordedCallSite(frame) as unknown as NodeJS.CallSite)));
  if (typeof text !== 'string') return undefined;
  const parsed = parseStackText(text);
  return parsed.length > 0 ? parsed : undefined;
}

/** A recorded frame dressed as a V8 CallSite, for a program's formatter to map. */
class RecordedCallSite {
  readonly #frame: Frame;
  constructor(frame: Frame) {
    this.#frame = frame;
  }
  getFileName() { return this.#frame.file; }
  getScriptNameOrSourceURL() { return this.#frame.file; }
  getLineNumber() { return this.#frame.line; }
  getColumnNumber() { return this.#frame.column; }
  getFunctionName() { return this.#frame.function === '<anonymous>' ? null : this.#frame.function; }
  getMethodName() { return null; }
  getTypeName() { return null; }
  getThis() { return undefined; }
  getFunction() { return undefined; }
  getEvalOrigin() { return undefined; }
  getScriptHash() { return ''; }
  getEnclosingLineNumber() { return null; }
  getEnclosingColumnNumber() { return null; }
  getPosition() { return 0; }
  getPromiseIndex() { return null; }
  isToplevel() { return false; }
  isEval() { return false; }
  isNative() { return false; }
  isConstructor() { return false; }
  isAsync() { return false; }
  isPromiseAll() { return false; }
  toString() {
    const { file, line, column } = this.#frame;
    return `${this.#frame.function} (${file}:${line}:${column})`;
  }
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
  map = safe(() => nodeModule.findSourceMap(file) as SourceMapLike | undefined) ?? readSourceMapFile(file);
  sourceMaps.set(file, map);
  return map;
}

const MAPPING_URL = /\/\/# sourceMappingURL=([^\s'"]+)\s*$/;

function readSourceMapFile(file: string): SourceMapLike | null {
  if (!/\.[cm]?js$/.test(file) || !nodeModule.SourceMap) return null;
  return safe(() => {
    const tail = readFileSync(file, 'utf8').slice(-4096);
    const url = MAPPING_URL.exec(tail)?.[1];
    if (!url) return null;
    const payload = url.startsWith('data:')
      ? Buffer.from(url.slice(url.indexOf(',') + 1), url.includes(';base64,') ? 'base64' : 'utf8').toString('utf8')
      : readFileSync(resolve(dirname(file), url), 'utf8');
    return new nodeModule.SourceMap(JSON.parse(payload)) as unknown as SourceMapLike;
  });
}

// ---- whose code is it -------------------------------------------------------

/** leaktrack's own files: its compiled output and its register entry point. */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const OWN_PATHS = [join(PACKAGE_ROOT, 'dist') + sep, join(PACKAGE_ROOT, 'src') + sep, join(PACKAGE_ROOT, 'register.mjs')];

/** A frame in the user's own code: not leaktrack, not Node, not node_modules. */
export function isUserFrame(frame: Frame): boolean {
  const file = frame.file;
  if (file.startsWith('node:') || file.startsWith('internal/')) return false;
  if (file.includes(`${sep}node_modules${sep}`) || file.includes('/node_modules/')) return false;
  return !OWN_PATHS.some((own) => file.startsWith(own));
}

export function firstUserFrame(frames: Frame[]): Frame | undefined {
  return frames.find(isUserFrame);
}
