// fs: FileHandles from fs/promises `open`, raw fds from callback/sync `open`,
// the streams of createReadStream/createWriteStream, and the watchers of
// fs.watch/fs.watchFile. Patched on the CJS exports object; register syncs
// the ESM namespaces so `import { open } from 'node:fs/promises'` sees the
// same function.
import type * as fsModule from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { callerOf, type CapturedStack } from '../core/stack';
import type { ResourceKind, Tag } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { iteratorKind, trackedIterator } from './async-iterator';
import { nextOpenCaptured, openingStack, record, recordOpened, safely } from './record';
import { unwrapMethods, withOpenedCallback, wrapMethod } from './wrap';

/** A path argument as plain text for the tag (a URL or Buffer is the program's object). */
export const plainPath = (path: unknown) => (typeof path === 'string' ? path : path instanceof URL ? path.href : String(path));

/** A path argument as a person reads it: file URLs and Buffers as paths. */
export function showPath(path: unknown): string {
  try {
    if (path instanceof URL) return path.protocol === 'file:' ? fileURLToPath(path) : path.href;
    if (typeof path === 'string' && path.startsWith('file:')) return fileURLToPath(path);
  } catch {
    // not a file URL after all
  }
  return String(path);
}

/**
 * fd is -1 once closed. A handle the program dropped without closing it is
 * closed by the GC (a warning up to Node 24, an error that ends the process
 * from Node 25): still the program's leak, reported with its opening line.
 */
export const fileHandleKind: ResourceKind<FileHandle> = {
  name: 'fs.FileHandle',
  isOpen: (handle) => handle.fd !== -1,
  leakWhenCollected: true,
  describe: (handle, detail) => {
    const { path, fd } = detail as { path: string; fd: number };
    return `file ${showPath(path)} (fd ${fd})${handle ? '' : ': never closed by the program; garbage collection closed it'}`;
  },
};

/**
 * The tag of each open handle by its fd, closed when the handle's fd is
 * closed. By number, not a WeakMap keyed by the handle: ephemeron entries
 * for short-lived objects cost the young-generation GC more than the whole
 * tag.
 */
const handleTags = new Map<number, Tag>();
/** Node's symbol for a FileHandle's native handle, found on the first one opened. */
let kHandle: symbol | undefined;
/** The native handles' prototype, whose close and closeSync are wrapped. */
let nativeHandlePrototype: object | undefined;
/** FileHandle.prototype, whose transfer to a worker is wrapped. */
let handlePrototype: object | undefined;
let transferSymbol: symbol | undefined;
/** Set on the first open: the lookups below run once, found or not. */
let closesWatched = false;

/**
 * A FileHandle's `close` is an own property of each handle (an arrow
 * function: no prototype to wrap, and the handle is the program's object).
 * Every way of closing one (close, Symbol.asyncDispose, a stream's
 * autoClose, the last operation after a close while it ran) ends in its
 * native handle's close() or closeSync(): those are wrapped, once, on the
 * native prototype, which the program never sees. A handle sent to a worker
 * in a transfer list is closed for this thread (its fd -1) without either:
 * Node's transfer method on FileHandle.prototype is wrapped for that.
 * Without these the tag of a closed handle only ended when a sweep found
 * its fd -1; a handle the GC collected first read as a leak.
 */
function watchClose(handle: FileHandle): void {
  if (closesWatched) return;
  closesWatched = true;
  kHandle = Object.getOwnPropertySymbols(handle).find((symbol) => symbol.description === 'kHandle');
  const native = kHandle === undefined ? undefined : (handle as unknown as Record<symbol, unknown>)[kHandle];
  if (typeof native !== 'object' || native === null) return; // the sweep still reads fd -1
  nativeHandlePrototype = Object.getPrototypeOf(native) as object;
  for (const name of NATIVE_CLOSES) {
    wrapMethod(nativeHandlePrototype, name, (original) => ({
      [name](this: { fd: number }) {
        if (handleTags.size > 0) safely(fileHandleKind, endNativeHandleTag, this);
        return original.apply(this, arguments);
      },
    })[name]);
  }
  handlePrototype = Object.getPrototypeOf(handle) as object;
  transferSymbol = Object.getOwnPropertySymbols(handlePrototype).find((symbol) => symbol.description === 'messaging_transfer_symbol');
  if (transferSymbol === undefined) return;
  wrapMethod(handlePrototype, transferSymbol, (original) => ({
    transfer(this: FileHandle) {
      const fd = this.fd;
      const result = original.apply(this, arguments); // throws for a handle in use: still open here
      safely(fileHandleKind, endTransferredTag, { fd, handle: this });
      return result;
    },
  }).transfer);
}
const NATIVE_CLOSES = ['close', 'closeSync'];

function endNativeHandleTag(native: { fd: number }): void {
  endHandleTag(native.fd, native);
}

function endTransferredTag({ fd, handle }: { fd: number; handle: FileHandle }): void {
  endHandleTag(fd, handle);
}

/** Ends the tag for `fd` if it is the tag of `closed`: the handle, or its native handle. */
function endHandleTag(fd: number, closed: object): void {
  const tag = handleTags.get(fd);
  const handle = tag?.ref?.deref() as Record<symbol, unknown> | undefined;
  if (handle === undefined || (handle !== closed && handle[kHandle!] !== closed)) return;
  tag!.close();
  handleTags.delete(fd);
}

/** A number has no state to read: an fd is open until close/closeSync is called with it. */
export const fdKind: ResourceKind<never> = {
  name: 'fs.fd',
  describe: (_none, detail) => {
    const { path, fd } = detail as { path: unknown; fd: number };
    return `file ${showPath(path)} (fd ${fd})`;
  },
};

// A stream is closed once destroyed: read to its end (autoClose), end() +
// finish, destroy(), a pipeline or a `for await` that broke out.
export const readStreamKind: ResourceKind<fsModule.ReadStream> = {
  name: 'fs.ReadStream',
  isOpen: (stream) => !stream.destroyed,
  describe: (stream, path) => `read stream of ${showPath(path)}${fdSuffix(stream)}`,
};

export const writeStreamKind: ResourceKind<fsModule.WriteStream> = {
  name: 'fs.WriteStream',
  isOpen: (stream) => !stream.destroyed && !stream.writableEnded,
  describe: (stream, path) => `write stream to ${showPath(path)}${fdSuffix(stream)}`,
};

function fdSuffix(stream: object | undefined): string {
  const fd = (stream as { fd?: unknown } | undefined)?.fd;
  return typeof fd === 'number' ? ` (fd ${fd})` : '';
}

/** fs.watch: closed by close() (also when the watcher fails), which drops its handle. */
export const watcherKind: ResourceKind<fsModule.FSWatcher> = {
  name: 'fs.FSWatcher',
  isOpen: (watcher) => (watcher as unknown as { _handle?: unknown })._handle != null,
  describe: (_watcher, path) => `fs.watch of ${showPath(path)}, never closed`,
};

/**
 * fs.watchFile: one watcher per file, shared by every watchFile() of it;
 * stopped once unwatchFile() removed its last listener.
 */
export const statWatcherKind: ResourceKind<fsModule.StatWatcher> = {
  name: 'fs.StatWatcher',
  isOpen: (watcher) => (watcher as unknown as { _handle?: unknown })._handle != null,
  describe: (_watcher, path) => `fs.watchFile of ${showPath(path)}, never unwatched`,
};

function patchWatchers(fs: typeof fsModule): void {
  wrapMethod(fs, 'watch', (original) =>
    function watch(this: unknown, filename: unknown) {
      const watcher = original.apply(this, arguments);
      record(watcherKind, watcher, watch, plainPath(filename));
      return watcher;
    },
  );
  wrapMethod(fs, 'watchFile', (original) =>
    function watchFile(this: unknown, filename: unknown) {
      const watcher = original.apply(this, arguments);
      record(statWatcherKind, watcher, watchFile, plainPath(filename));
      return watcher;
    },
  );
}

/** Open fds by number. The OS reuses a number only after it was closed. */
const fdTags = new Map<number, Tag>();

function trackFd(fd: unknown, path: unknown, stack: CapturedStack | undefined): void {
  if (typeof fd !== 'number' || stack === undefined) return;
  // A number the OS hands out again was closed by a way we did not see.
  forgetFd(fd);
  const tag = recordOpened(fdKind, undefined, stack, { path: plainPath(path), fd });
  if (tag) fdTags.set(fd, tag);
}

function forgetFd(fd: unknown): void {
  if (typeof fd !== 'number' || fdTags.size === 0) return;
  safely(fdKind, endFdTag, fd);
}

function endFdTag(fd: number): void {
  fdTags.get(fd)?.close();
  fdTags.delete(fd);
}

/**
 * node:fs functions that open a file and close it before they return.
 * Node's module loaders read every ES module with `fs.readFileSync(url)`,
 * looked up on the exports at each call (22 and later): their own wrappers
 * mark the call, so the `openSync` inside it costs a counter, not a stack.
 * Node 20's loader holds the unwrapped function: there one frame tells.
 */
const WHOLE_FILE_HELPERS = ['readFileSync', 'writeFileSync'] as const;
const isWholeFileHelper = (caller: string | undefined) => caller === 'node:fs:readFileSync' || caller === 'node:fs:writeFileSync';
let insideWholeFileHelper = 0;

function patchWholeFileHelpers(fs: typeof fsModule): void {
  for (const name of WHOLE_FILE_HELPERS) {
    wrapMethod(fs, name, (original) =>
      function wholeFile(this: unknown) {
        insideWholeFileHelper++;
        try {
          return original.apply(this, arguments);
        } finally {
          insideWholeFileHelper--;
        }
      },
    );
  }
}

function patchFdFunctions(fs: typeof fsModule): void {
  wrapMethod(fs, 'openSync', (original) =>
    function openSync(this: unknown, path: unknown) {
      const fd = original.apply(this, arguments);
      // Node's readFileSync and writeFileSync close before they return: not
      // tracked, and not counted for the sample.
      if (insideWholeFileHelper > 0) return fd;
      // Called the way they call it by a readFileSync the wrapper did not
      // see (Node 20's loader holds the unwrapped one): one frame tells
      // (asked only when a capture would follow: sampled out, counting
      // costs less).
      if (arguments[2] === 0o666 && arguments.length === 3 && nextOpenCaptured(fdKind) && isWholeFileHelper(callerOf(openSync))) return fd;
      trackFd(fd, path, openingStack(fdKind, openSync));
      return fd;
    },
  );
  // Also what util.promisify(fs.open) calls.
  wrapMethod(fs, 'open', (original) =>
    function open(this: unknown, path: unknown) {
      const callback = arguments[arguments.length - 1];
      const stack = typeof callback === 'function' ? openingStack(fdKind, open) : undefined;
      if (stack === undefined) return original.apply(this, arguments);
      return original.apply(this, withOpenedCallback(arguments, (fd) => trackFd(fd, path, stack)));
    },
  );
  // Forgotten when close is asked for: a close that fails (EBADF) had nothing open.
  wrapMethod(fs, 'closeSync', (original) =>
    function closeSync(this: unknown, fd: unknown) {
      forgetFd(fd);
      return original.apply(this, arguments);
    },
  );
  wrapMethod(fs, 'close', (original) =>
    function close(this: unknown, fd: unknown) {
      forgetFd(fd);
      return original.apply(this, arguments);
    },
  );
}

function patchStreams(fs: typeof fsModule): void {
  const patch = (name: 'createReadStream' | 'createWriteStream', kind: ResourceKind) =>
    wrapMethod(fs, name, (original) =>
      function createStream(this: unknown, path: unknown, options: unknown) {
        const stream = original.apply(this, arguments);
        const fd = (options as { fd?: unknown } | null)?.fd;
        // A stream over a FileHandle: the handle's tag covers it.
        if (typeof fd === 'object' && fd !== null) return stream;
        if (typeof fd === 'number') {
          // autoClose (the default) hands the fd to the stream; otherwise the fd's own tag stays.
          if ((options as { autoClose?: boolean }).autoClose === false) return stream;
          forgetFd(fd);
        }
        record(kind, stream, createStream, typeof fd === 'number' ? `fd ${fd}` : plainPath(path));
        return stream;
      },
    );
  patch('createReadStream', readStreamKind);
  patch('createWriteStream', writeStreamKind);
}

/** fs/promises watch(): a watcher while its iterator is iterated (async-iterator.ts). */
export const watchIteratorKind = iteratorKind('fs.FSWatcher', (path) => `fs/promises watch of ${showPath(path)}, never ended`);

function patchFsPromises(fsp: typeof import('node:fs/promises')): void {
  wrapMethod(fsp, 'watch', (original) =>
    function watch(this: unknown, filename: unknown, options?: unknown) {
      const inner: AsyncGenerator = original.apply(this, arguments);
      const signal = typeof options === 'object' && options !== null ? (options as { signal?: AbortSignal }).signal : undefined;
      const { iterator, state } = trackedIterator(inner, signal, plainPath(filename));
      record(watchIteratorKind, iterator, watch, state);
      return iterator;
    },
  );
  wrapMethod(fsp, 'open', (original) =>
    async function open(this: unknown, path: unknown) {
      const stack = openingStack(fileHandleKind, open);
      // A failed open rejects here, before any tag exists.
      const handle: FileHandle = await original.apply(this, arguments);
      const tag = recordOpened(fileHandleKind, handle, stack, { path: plainPath(path), fd: handle.fd });
      if (tag) {
        watchClose(handle); // once; wrapMethod has its own boundary
        handleTags.set(handle.fd, tag);
      }
      return handle;
    },
  );
}

const FD_FUNCTIONS = ['openSync', 'open', 'closeSync', 'close', 'createReadStream', 'createWriteStream'];

export const fsDefinition: ModuleDefinition = {
  name: 'fs',
  kinds: [fileHandleKind, fdKind, readStreamKind, writeStreamKind, watcherKind, statWatcherKind, watchIteratorKind],
  files: [
    {
      file: 'node:fs',
      patch(fs: typeof fsModule) {
        patchWholeFileHelpers(fs);
        patchFdFunctions(fs);
        patchStreams(fs);
        patchWatchers(fs);
      },
      unpatch(fs: typeof fsModule) {
        unwrapMethods(fs, [...WHOLE_FILE_HELPERS, ...FD_FUNCTIONS, 'watch', 'watchFile']);
        fdTags.clear();
      },
    },
    {
      // The same object as fs.promises. Its own file: loading it costs start-up time.
      file: 'node:fs/promises',
      patch: patchFsPromises,
      unpatch(fsp: typeof import('node:fs/promises')) {
        unwrapMethods(fsp, ['open', 'watch']);
        if (nativeHandlePrototype) unwrapMethods(nativeHandlePrototype, NATIVE_CLOSES);
        if (handlePrototype && transferSymbol) unwrapMethods(handlePrototype, [transferSymbol]);
        nativeHandlePrototype = handlePrototype = transferSymbol = undefined;
        closesWatched = false;
        handleTags.clear();
      },
    },
  ],
};
