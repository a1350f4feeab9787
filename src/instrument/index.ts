// The list of patched modules. Adding a module: one file, one line here.
import { syncBuiltinESMExports } from 'node:module';
import { createRequire } from 'node:module';
import { warnOnce } from '../core/warn';
import { fsInstrumentation } from './fs';
import type { Instrumentation } from './instrumentation';
import { netInstrumentation } from './net';

export const instrumentations: readonly Instrumentation[] = [fsInstrumentation, netInstrumentation];

const requireBuiltin = createRequire(__filename);

/** Patch the builtins now and make ESM named imports of them see the patches. */
export function instrumentAll(list: readonly Instrumentation[] = instrumentations): void {
  for (const instrumentation of list) {
    try {
      if (instrumentation.builtin) instrumentation.patch(requireBuiltin(`node:${instrumentation.module}`), instrumentation.module);
    } catch (error) {
      warnOnce(`cannot instrument ${instrumentation.module}: ${(error as Error).message}`);
    }
  }
  syncBuiltinESMExports();
}
