// Values that must exist once per process. globalThis is not enough: Jest
// runs each test file in its own realm (its own globalThis, its own copy of
// leaktrack's modules) while Node's builtin modules stay shared, and so do
// the patches leaktrack puts on them. A builtin module object is the holder.
import { createRequire } from 'node:module';

// The exports object itself (a namespace import would be a copy).
const holder = createRequire(__filename)('node:util') as Record<symbol, unknown>;

export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`leaktrack.${name}`);
  if (!(key in holder)) Object.defineProperty(holder, key, { value: create(), enumerable: false });
  return holder[key] as T;
}
