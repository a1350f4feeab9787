// A builtin module's exports object, as Node has it. Not through a require
// made by createRequire: that passes Module.prototype.require, which the
// hook watches for the program's first require() (a pure ESM program would
// load require-in-the-middle for leaktrack's own lookups), and each
// createRequire builds a Module and its node_modules path list at start.
// process.getBuiltinModule is taken before the hook wraps it (lazy-builtins.ts
// watches it for the program's own lookups). Node before 20.16 has none.
import { createRequire } from 'node:module';

type GetBuiltin = (id: string) => unknown;
const getBuiltinModule: GetBuiltin | undefined = (process as { getBuiltinModule?: GetBuiltin }).getBuiltinModule?.bind(process);
let viaRequire: GetBuiltin | undefined;

export function builtin<T = unknown>(id: string): T {
  return (getBuiltinModule ?? (viaRequire ??= createRequire(__filename)))(id) as T;
}

// node:module as this copy's module system has it (Jest's own, in its realm),
// the object itself: `import =` makes no copy of its exports (a default
// import did, into getters, at start).
import moduleObject = require('node:module');

/** The parts of node:module leaktrack uses that its types do not all declare. */
export const nodeModule = moduleObject as unknown as {
  prototype: { require: (id: string) => unknown };
  _cache?: Record<string, { exports: unknown } | undefined>;
  registerHooks?: (hooks: { resolve: (specifier: string, context: unknown, next: (specifier: string, context: unknown) => unknown) => unknown }) => { deregister(): void };
};
