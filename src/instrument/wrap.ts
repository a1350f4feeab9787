// One way to patch, shared by every module definition (the OpenTelemetry
// `_wrap`/`_unwrap` idea): the original of each wrapper is remembered, so
// patching twice is impossible and every patch can be undone. The record of
// originals is process-wide and kept beside the wrappers, never on them: a
// wrapper carries no property the original lacks.
import { processWide } from '../core/process-wide';
import { openedInside } from './ownership';
import { cannotTrack } from '../core/not-tracked';

interface Original {
  fn: Function;
  /** The property was inherited (a prototype's method): unwrapping deletes the own one again. */
  inherited: boolean;
}
const originals = processWide('originals', () => new WeakMap<Function, Original>());

/** The function a wrapper stands for (itself when not wrapped). */
export function originalOf<T>(fn: T): T {
  return (typeof fn === 'function' ? (originals.get(fn)?.fn as T | undefined) : undefined) ?? fn;
}

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && originals.has(fn);
}

/**
 * Replace `target[name]` by `makeWrapper(original)`, keeping its name, length
 * and property attributes. Says once on stderr (and patches nothing) when the
 * property cannot be replaced.
 */
export function wrapMethod(target: object, name: string | symbol, makeWrapper: (original: any) => Function): boolean {
  const owner = target as Record<string | symbol, unknown>;
  let original: unknown;
  try {
    original = owner[name]; // a lazy getter of Node's defines the property on first read, and throws if frozen
  } catch {
    cannotPatch(target);
    return false;
  }
  if (typeof original !== 'function' || isWrapped(original)) return false;
  const own = Object.getOwnPropertyDescriptor(target, name);
  let wrapper = makeWrapper(original);
  if (!isWrapped(wrapper)) {
    // (A trackConstruction proxy is registered already and forwards everything.)
    wrapper = sameShape(original, wrapper);
    Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
    // The original's own symbols too (util.promisify.custom on some of Node's functions).
    for (const symbol of Object.getOwnPropertySymbols(original)) {
      Object.defineProperty(wrapper, symbol, Object.getOwnPropertyDescriptor(original, symbol)!);
    }
  }
  try {
    if (own && !('value' in own)) throw new TypeError('accessor property');
    Object.defineProperty(target, name, {
      value: wrapper,
      writable: own?.writable ?? true,
      enumerable: own?.enumerable ?? false,
      configurable: own?.configurable ?? true,
    });
  } catch {
    cannotPatch(target);
    return false;
  }
  originals.set(wrapper, { fn: original, inherited: own === undefined });
  return true;
}

/**
 * The wrapper has a `prototype` exactly when the original has: a class
 * method or an async function has none, a plain function has one, and a
 * program (or its tests) can see the difference in `Reflect.ownKeys`.
 */
function sameShape(original: Function, wrapper: Function): Function {
  const hasPrototype = Object.prototype.hasOwnProperty.call(original, 'prototype');
  if (hasPrototype === Object.prototype.hasOwnProperty.call(wrapper, 'prototype')) return wrapper;
  if (hasPrototype) {
    Object.defineProperty(wrapper, 'prototype', Object.getOwnPropertyDescriptor(original, 'prototype')!);
    return wrapper;
  }
  // A method has no prototype (and, like the original, cannot be called with `new`).
  // This layer costs a call on every use: write wrappers of class methods as
  // methods (`({ close() {…} }).close`) and it is never taken.
  return {
    method(this: unknown) {
      return Reflect.apply(wrapper, this, arguments);
    },
  }.method;
}

/**
 * The arguments of a callback-style open, its last one (the callback)
 * replaced by one that first calls `opened(result)` when the open
 * succeeded, then the program's callback exactly as Node would.
 */
export function withOpenedCallback(args: ArrayLike<unknown>, opened: (result: unknown) => void): unknown[] {
  const copy = Array.prototype.slice.call(args);
  const callback = copy[copy.length - 1] as Function;
  copy[copy.length - 1] = function onOpened(this: unknown, error: unknown, result: unknown) {
    if (!error) opened(result);
    return Reflect.apply(callback, this, arguments);
  };
  return copy;
}

/** Put the originals back (what a definition's unpatch calls). */
export function unwrapMethods(target: object, names: readonly (string | symbol)[]): void {
  for (const name of names) unwrapMethod(target, name);
}

export function unwrapMethod(target: object, name: string | symbol): void {
  const owner = target as Record<string | symbol, unknown>;
  const current = owner[name];
  const original = typeof current === 'function' ? originals.get(current) : undefined;
  // Someone wrapped ours meanwhile: leave theirs; ours passes through once its kinds are off.
  if (!original || !Object.prototype.hasOwnProperty.call(target, name)) return;
  try {
    if (original.inherited) delete owner[name];
    else Object.defineProperty(target, name, { ...Object.getOwnPropertyDescriptor(target, name), value: original.fn });
  } catch {
    // made non-configurable after we patched: it stays a pass-through
  }
}

/** Once per object: a frozen module would otherwise get a line per function. */
function cannotPatch(target: object): void {
  const what = describeTarget(target);
  cannotTrack(what, `cannot patch ${what} (frozen or non-configurable); what it opens is not tracked`);
}

const targetNames = new WeakMap<object, string>();

/** Name a module's exports object for messages (`fs`, not `module`). */
export function nameTarget(target: object, name: string): void {
  targetNames.set(target, name);
}

function describeTarget(target: object): string {
  const named = targetNames.get(target);
  if (named) return named;
  const ctor = (target as { constructor?: { name?: string } }).constructor;
  return typeof target === 'function' ? target.name || 'function' : ctor?.name && ctor.name !== 'Object' ? `${ctor.name}.prototype` : 'module';
}

/**
 * A stand-in for a class that calls `onConstruct(instance, construct, args)`
 * for each instance, subclasses' included. A Proxy, not a subclass: statics,
 * instanceof and calls without `new` behave exactly as the original's.
 * `construct` is the function to pass as `above` to the record step, so the
 * stack starts at the caller of `new`.
 */
export function trackConstruction<C extends new (...args: any[]) => object>(
  original: C,
  onConstruct: (instance: InstanceType<C>, construct: Function, args: unknown[]) => void,
): C {
  if (isWrapped(original)) return original;
  const proxy: C = new Proxy(original, {
    construct(target, args, newTarget): object {
      // What the constructor opens for itself (a Worker's ports) is the instance's.
      const instance: object = openedInside(Reflect.construct, undefined, [target, args, newTarget === proxy ? target : newTarget]);
      try {
        onConstruct(instance as InstanceType<C>, this.construct as Function, args);
      } catch (error) {
        // The boundary: the program gets its instance whatever leaktrack's code did.
        const what = original.name || 'a class';
        cannotTrack(what, `internal error in tracking ${what} (${(error as Error)?.message ?? error}); it is not tracked`);
      }
      return instance;
    },
    get(target, key, receiver) {
      return Reflect.get(target, key, receiver === proxy ? target : receiver);
    },
  });
  originals.set(proxy, { fn: original, inherited: false });
  return proxy;
}

/** Replace `target[name]`, a class, by trackConstruction's stand-in. */
export function wrapConstructor(target: object, name: string, onConstruct: (instance: any, construct: Function, args: unknown[]) => void): void {
  wrapMethod(target, name, (original) => trackConstruction(original, onConstruct));
}
