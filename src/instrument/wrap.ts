// One way to patch, shared by every instrumentation (the OpenTelemetry
// `_wrap`/`_unwrap` idea): the original is kept on the wrapper, so patching
// twice is impossible and every patch can be undone.
import { warnOnce } from '../core/warn';

const kOriginal = Symbol.for('leaktrack.original');
const kInherited = Symbol.for('leaktrack.inherited');
type Wrapped = Function & { [kOriginal]?: Function; [kInherited]?: boolean };

/** The function a wrapper stands for (itself when not wrapped). */
export function originalOf<T>(fn: T): T {
  return ((fn as Wrapped | undefined)?.[kOriginal] as T | undefined) ?? fn;
}

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as Wrapped)[kOriginal] !== undefined;
}

/**
 * Replace `target[name]` by `makeWrapper(original)`, keeping its name, length
 * and property attributes. Says once on stderr (and patches nothing) when the
 * property cannot be replaced.
 */
export function wrapMethod(target: object, name: string, makeWrapper: (original: any) => Function): boolean {
  const owner = target as Record<string, unknown>;
  const original = owner[name];
  if (typeof original !== 'function' || isWrapped(original)) return false;
  const wrapper = makeWrapper(original) as Wrapped;
  if (!isWrapped(wrapper)) {
    // (A trackConstruction proxy already answers kOriginal and forwards name and length.)
    Object.defineProperty(wrapper, kOriginal, { value: original });
    Object.defineProperty(wrapper, kInherited, { value: !Object.prototype.hasOwnProperty.call(target, name) });
    Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  }
  const own = Object.getOwnPropertyDescriptor(target, name);
  try {
    if (own && !('value' in own)) throw new TypeError('accessor property');
    Object.defineProperty(target, name, {
      value: wrapper,
      writable: own?.writable ?? true,
      enumerable: own?.enumerable ?? false,
      configurable: own?.configurable ?? true,
    });
    return true;
  } catch {
    // Once per object: a frozen module would otherwise get a line per function.
    warnOnce(`cannot patch ${describeTarget(target)} (frozen or non-configurable); what it opens is not tracked`);
    return false;
  }
}

/** Put the original back. */
export function unwrapMethod(target: object, name: string): void {
  const owner = target as Record<string, unknown>;
  const current = owner[name] as Wrapped | undefined;
  const original = current?.[kOriginal];
  if (!original) return;
  if (current?.[kInherited]) {
    delete owner[name];
    return;
  }
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { ...own, value: original });
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
 * A stand-in for a class that calls `onConstruct(instance, construct)` for each
 * instance, subclasses' included. A Proxy, not a subclass: statics, instanceof
 * and calls without `new` behave exactly as the original's. `construct` is the
 * function to pass to captureStack, so the stack starts at the caller of `new`.
 */
export function trackConstruction<C extends new (...args: any[]) => object>(
  original: C,
  onConstruct: (instance: InstanceType<C>, construct: Function, args: unknown[]) => void,
): C {
  if (isWrapped(original)) return original;
  const proxy: C = new Proxy(original, {
    construct(target, args, newTarget): object {
      const instance: object = Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      onConstruct(instance as InstanceType<C>, this.construct as Function, args);
      return instance;
    },
    get(target, key, receiver) {
      return key === kOriginal ? target : Reflect.get(target, key, receiver === proxy ? target : receiver);
    },
  });
  return proxy;
}

/** Replace `target[name]`, a class, by trackConstruction's stand-in. */
export function wrapConstructor(target: object, name: string, onConstruct: (instance: any, construct: Function, args: unknown[]) => void): void {
  wrapMethod(target, name, (original) => trackConstruction(original, onConstruct));
}
