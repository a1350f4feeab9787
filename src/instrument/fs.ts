// fs: FileHandles from fs/promises `open`. Patched on the CJS exports object;
// register syncs the ESM namespaces so `import { open } from 'node:fs/promises'`
// sees the same function.
import type { FileHandle } from 'node:fs/promises';
import { captureStack } from '../core/stack';
import type { ResourceKind } from '../core/tag';
import { processTracker } from '../core/tracker';
import type { Instrumentation } from './instrumentation';
import { wrapMethod } from './wrap';

/** fd is -1 once closed; a handle collected by GC was auto-closed. */
export const fileHandleKind: ResourceKind<FileHandle> = {
  name: 'fs.FileHandle',
  isOpen: (handle) => handle.fd !== -1,
  describe: (handle, path) => `file ${String(path)}${handle ? ` (fd ${handle.fd})` : ''}`,
};

function patchFsPromises(fsp: typeof import('node:fs/promises')): void {
  wrapMethod(fsp, 'open', (original) =>
    async function open(this: unknown, path: unknown) {
      const stack = captureStack(open);
      // A failed open rejects here, before any tag exists.
      const handle: FileHandle = await original.apply(this, arguments);
      processTracker.track(fileHandleKind, handle, stack, path);
      return handle;
    },
  );
}

export const fsInstrumentation: Instrumentation = {
  module: 'fs',
  builtin: true,
  patch(fs: typeof import('node:fs')) {
    // fs.promises and require('fs/promises') are one object.
    patchFsPromises(fs.promises);
  },
};
