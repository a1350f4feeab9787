// fs.Dir: directories from fs.opendir, fs.opendirSync and fs/promises
// opendir, never closed. Node 22+ keeps a Dir's closed state in private
// fields, so the tag is closed explicitly: by close() (promise or
// callback), closeSync(), the end of a `for await` over it (which closes
// the directory without calling close()), and `await using` / `using`
// (Symbol.asyncDispose / Symbol.dispose). A Dir the program dropped is closed by the GC
// (with a warning): still the program's leak, like a FileHandle.
import type * as fsModule from 'node:fs';
import type { ResourceKind, Tag } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { plainPath, showPath } from './fs';
import { openingStack, record, recordOpened, safely } from './record';
import { unwrapMethods, withOpenedCallback, wrapMethod } from './wrap';

type Dir = fsModule.Dir;

export const dirKind: ResourceKind<Dir> = {
  name: 'fs.Dir',
  leakWhenCollected: true,
  describe: (dir, path) => `directory ${showPath(path)}${dir ? ', never closed' : ': never closed by the program; garbage collection closed it'}`,
};

/** One per open Dir; directories are opened rarely, so a WeakMap costs nothing that matters. */
const dirTags = new WeakMap<Dir, Tag>();
let dirPrototype: Record<string | symbol, unknown> | undefined;

const CLOSING: Array<string | symbol> = ['close', 'closeSync', Symbol.asyncDispose, Symbol.dispose].filter((name) => name !== undefined);

function closeTag(dir: Dir): void {
  dirTags.get(dir)?.close();
  dirTags.delete(dir);
}

function tagDir(dir: Dir, tag: Tag | undefined): void {
  if (!tag) return;
  dirTags.set(dir, tag);
  if (dirPrototype) return;
  dirPrototype = Object.getPrototypeOf(dir) as Record<string | symbol, unknown>;
  // `await using` (Node 24+) disposes through Symbol.asyncDispose, without calling close().
  for (const name of CLOSING) {
    if (typeof dirPrototype[name] !== 'function') continue;
    // A method shorthand, like the originals (no prototype of its own).
    wrapMethod(dirPrototype, name, (original) => {
      const holder = {
        [name](this: Dir) {
          safely(dirKind, closeTag, this);
          return original.apply(this, arguments);
        },
      } as Record<string | symbol, Function>;
      return holder[name];
    });
  }
  // `for await (const entry of dir)`: Node closes the directory when the loop ends or breaks.
  const iterate = (original: (this: Dir) => AsyncGenerator) =>
    ({
      async *entries(this: Dir) {
        try {
          return yield* original.call(this);
        } finally {
          safely(dirKind, closeTag, this);
        }
      },
    }).entries;
  const entries = dirPrototype.entries;
  wrapMethod(dirPrototype, 'entries', iterate);
  if (dirPrototype[Symbol.asyncIterator] === entries) setAsyncIterator(dirPrototype, dirPrototype.entries);
}

function unpatchPrototype(): void {
  if (!dirPrototype) return;
  const wrapped = dirPrototype.entries;
  unwrapMethods(dirPrototype, [...CLOSING, 'entries']);
  if (dirPrototype[Symbol.asyncIterator] === wrapped) setAsyncIterator(dirPrototype, dirPrototype.entries);
  dirPrototype = undefined;
}

/** Dir's async iterator is its entries method: kept the same function. */
function setAsyncIterator(prototype: object, fn: unknown): void {
  Object.defineProperty(prototype, Symbol.asyncIterator, { ...Object.getOwnPropertyDescriptor(prototype, Symbol.asyncIterator), value: fn });
}


export const fsDirDefinition: ModuleDefinition = {
  name: 'fs-dir',
  kinds: [dirKind],
  files: [
    {
      file: 'node:fs',
      patch(fs: typeof fsModule) {
        wrapMethod(fs, 'opendirSync', (original) =>
          function opendirSync(this: unknown, path: unknown) {
            const dir: Dir = original.apply(this, arguments);
            tagDir(dir, record(dirKind, dir, opendirSync, plainPath(path)));
            return dir;
          },
        );
        wrapMethod(fs, 'opendir', (original) =>
          function opendir(this: unknown, path: unknown) {
            const callback = arguments[arguments.length - 1];
            const stack = typeof callback === 'function' ? openingStack(dirKind, opendir) : undefined;
            if (stack === undefined) return original.apply(this, arguments);
            const opened = (dir: unknown) => dir && tagDir(dir as Dir, recordOpened(dirKind, dir as Dir, stack, plainPath(path)));
            return original.apply(this, withOpenedCallback(arguments, opened));
          },
        );
      },
      unpatch(fs: typeof fsModule) {
        unwrapMethods(fs, ['opendirSync', 'opendir']);
        unpatchPrototype();
      },
    },
    {
      file: 'node:fs/promises',
      patch(fsp: typeof import('node:fs/promises')) {
        wrapMethod(fsp, 'opendir', (original) =>
          async function opendir(this: unknown, path: unknown) {
            const stack = openingStack(dirKind, opendir);
            const dir: Dir = await original.apply(this, arguments);
            tagDir(dir, recordOpened(dirKind, dir, stack, plainPath(path)));
            return dir;
          },
        );
      },
      unpatch: (fsp: typeof import('node:fs/promises')) => unwrapMethods(fsp, ['opendir']),
    },
  ],
};
