// Values that must exist once per process. globalThis is not enough: Jest
// runs each test file in its own realm (its own globalThis, its own copy of
// leaktrack's modules) while Node's builtin modules stay shared, and so do
// the patches leaktrack puts on them. A builtin module object is the holder,
// with one non-enumerable symbol (defining a property per value cost start-up
// time, and showed more of leaktrack on a module the program uses).
import { builtin } from './builtins';

const KEY = Symbol.for('leaktrack');
// The exports object itself (a namespace import would be a copy).
const holder = builtin<Record<symbol, Record<string, unknown> | undefined>>('node:util');
if (!holder[KEY]) Object.defineProperty(holder, KEY, { value: Object.create(null), enumerable: false });
const shared = holder[KEY]!;

export function processWide<T>(name: string, create: () => T): T {
  if (!(name in shared)) shared[name] = create();
  return shared[name] as T;
}
