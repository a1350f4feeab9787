// Builtins patched when the program first reaches them, not at start (Node
// with module.registerHooks, 22.15+). Loading node:https (and tls) at start
// costs more than the rest of the hook on Node 22+, and a program that never
// uses http should not pay for it. A builtin is reached by require() or
// import (both pass the resolve hook) or by process.getBuiltinModule (wrapped
// until the last pending builtin is patched); then the hook is removed.
// Node 20 has no registerHooks: there every builtin is patched at start.
import Module, { syncBuiltinESMExports } from 'node:module';
import { unwrapMethod, wrapMethod } from './wrap';

/** Where the lazy path applies: costly builtins the program may never load. */
const DEFERRABLE = new Set(['net', 'http', 'https', 'child_process', 'worker_threads']);
/**
 * These use net internally (through Node's own require, which passes no
 * hook): a server they create listens through net.Server.prototype.listen,
 * so reaching them patches net first.
 */
const USES_NET = new Set(['http', 'https', 'tls', 'http2']);

type RegisterHooks = (hooks: { resolve: (specifier: string, context: unknown, next: (specifier: string, context: unknown) => unknown) => unknown }) => { deregister(): void };

const pending = new Map<string, () => void>();
let hooks: { deregister(): void } | undefined;

const bareName = (specifier: string) => (specifier.startsWith('node:') ? specifier.slice(5) : specifier);

/**
 * Patch `file` (a `node:` name) now if it is loaded already or cannot wait;
 * otherwise when the program first reaches it. Returns false when it was
 * patched now.
 */
export function deferBuiltin(file: string, patch: () => void): boolean {
  const name = bareName(file);
  const registerHooks = (Module as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  if (!registerHooks || !DEFERRABLE.has(name) || (process as { moduleLoadList?: string[] }).moduleLoadList?.includes(`NativeModule ${name}`)) return false;
  if (pending.has(name)) return true;
  pending.set(name, patch);
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

function reached(specifier: string): void {
  if (pending.size === 0) return;
  const name = bareName(specifier);
  if (USES_NET.has(name)) patchPending('net');
  if (!patchPending(name)) return;
  syncBuiltinESMExports();
  if (pending.size === 0) removeHooks();
}

function patchPending(name: string): boolean {
  const patch = pending.get(name);
  if (!patch) return false;
  pending.delete(name); // first: patching loads the builtin, which passes the hook again
  patch();
  return true;
}

function removeHooks(): void {
  hooks?.deregister();
  hooks = undefined;
  unwrapMethod(process, 'getBuiltinModule');
}

/** For uninstall: a builtin never reached has nothing to undo. */
export function forgetDeferred(file: string): boolean {
  const name = bareName(file);
  if (!pending.delete(name)) return false;
  if (pending.size === 0) removeHooks();
  return true;
}
