// Builtins patched when the program first reaches them, not at start (Node
// with module.registerHooks, 22.15+). Loading node:https (and tls) at start
// costs more than the rest of the hook on Node 22+, and a program that never
// uses http should not pay for it. A builtin is reached by require() or
// import (both pass the resolve hook) or by process.getBuiltinModule (wrapped
// until the last pending builtin is patched); then the hook is removed.
// Node 20 has no registerHooks: there every builtin is patched at start.
import { syncBuiltinESMExports } from 'node:module';
import { builtin, nodeModule } from '../core/builtins';
import { unwrapMethod, wrapMethod } from './wrap';

/** Where the lazy path applies: costly builtins the program may never load. */
const DEFERRABLE = new Set(['fs/promises', 'timers/promises', 'net', 'http', 'https', 'child_process', 'worker_threads', 'dgram', 'http2']);
/** Also reached as a getter of their parent module (`require('fs').promises`), which passes no hook. */
const PROMISES_OF: Record<string, string> = { 'fs/promises': 'node:fs', 'timers/promises': 'node:timers' };
/**
 * These use net internally (through Node's own require, which passes no
 * hook): a server they create listens through net.Server.prototype.listen,
 * so reaching them patches net first.
 */
const USES_NET = new Set(['http', 'https', 'tls', 'http2']);

/** By builtin: each definition's patch, by the definition's name. */
const pending = new Map<string, Map<string, () => void>>();
/** The stand-in getters still in place, to put back once their builtin is patched another way. */
const getterStandIns = new Map<string, () => void>();
let hooks: { deregister(): void } | undefined;

const bareName = (specifier: string) => (specifier.startsWith('node:') ? specifier.slice(5) : specifier);

/**
 * Defer patching `file` (a `node:` name) until the program first reaches
 * it. False when it cannot wait (no registerHooks, already loaded, not a
 * costly one, a frozen parent): then the caller patches now.
 */
export function deferBuiltin(file: string, owner: string, patch: () => void): boolean {
  const name = bareName(file);
  const registerHooks = nodeModule.registerHooks;
  if (!registerHooks || !DEFERRABLE.has(name) || (process as { moduleLoadList?: string[] }).moduleLoadList?.includes(`NativeModule ${name}`)) return false;
  // Several definitions may patch one builtin (fs and fs-dir both patch fs/promises).
  const waiting = pending.get(name);
  if (waiting) {
    waiting.set(owner, patch);
    return true;
  }
  // A parent frozen by an earlier preload: its getter cannot be watched, so now.
  if (PROMISES_OF[name] && !watchPromisesGetter(PROMISES_OF[name], name)) return false;
  pending.set(name, new Map([[owner, patch]]));
  if (!hooks) {
    hooks = registerHooks({
      resolve(specifier, context, next) {
        if (typeof specifier === 'string') reached(specifier);
        return next(specifier, context);
      },
    });
    wrapMethod(process, 'getBuiltinModule', (original) =>
      function getBuiltinModule(this: unknown, id: unknown) {
        if (typeof id === 'string') reached(id);
        return original.apply(this, arguments);
      },
    );
  }
  return true;
}

/**
 * fs/promises is also reached as `require('fs').promises` (or a default
 * import's `.promises`), timers/promises as `timers.promises`: getters that
 * pass no hook. A stand-in getter patches on first read, then the original
 * descriptor is put back.
 */
function watchPromisesGetter(parent: string, name: string): boolean {
  const exports = builtin<object>(parent);
  const own = Object.getOwnPropertyDescriptor(exports, 'promises');
  if (!own?.get || !own.configurable || !Object.isExtensible(exports)) return false;
  const original = own.get;
  const putBack = () => Object.defineProperty(exports, 'promises', own);
  Object.defineProperty(exports, 'promises', {
    ...own,
    get(this: unknown) {
      putBack();
      reached(name);
      return Reflect.apply(original, this, []);
    },
  });
  getterStandIns.set(name, putBack);
  return true;
}

function reached(specifier: string): void {
  if (pending.size === 0) return;
  const name = bareName(specifier);
  if (USES_NET.has(name)) patchPending('net');
  if (!patchPending(name)) return;
  syncBuiltinESMExports();
  if (pending.size === 0) removeHooks();
}

function patchPending(name: string): boolean {
  const patches = pending.get(name);
  if (!patches) return false;
  stopWaiting(name); // first: patching loads the builtin, which passes the hook again
  for (const patch of patches.values()) patch();
  return true;
}

/** No longer pending: its stand-in getter put back. */
function stopWaiting(name: string): void {
  pending.delete(name);
  getterStandIns.get(name)?.();
  getterStandIns.delete(name);
}

function removeHooks(): void {
  hooks?.deregister();
  hooks = undefined;
  unwrapMethod(process, 'getBuiltinModule');
}

/** True while `file` (a `node:` name) is deferred and not reached yet. */
export const isDeferred = (file: string) => pending.has(bareName(file));

/** For uninstall: a builtin never reached has nothing to undo. */
export function forgetDeferred(file: string, owner: string): boolean {
  const name = bareName(file);
  const patches = pending.get(name);
  if (!patches?.delete(owner)) return false;
  if (patches.size > 0) return true;
  stopWaiting(name);
  if (pending.size === 0) removeHooks();
  return true;
}
