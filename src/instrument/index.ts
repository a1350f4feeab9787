// The list of patched modules. Adding a module: one file, one line here.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import Module from 'node:module';
import { processWide } from '../core/process-wide';
import { warnOnce } from '../core/warn';
import { fsInstrumentation } from './fs';
import type { Instrumentation } from './instrumentation';
import { nameTarget } from './wrap';
import { fetchInstrumentation } from './fetch';
import { httpInstrumentation, httpsInstrumentation } from './http';
import { netInstrumentation } from './net';
import { pgInstrumentation } from './pg';
import { timersInstrumentation } from './timers';
import { childProcessInstrumentation } from './child-process';
import { workerThreadsInstrumentation } from './worker-threads';

export const instrumentations: readonly Instrumentation[] = [
  fsInstrumentation,
  netInstrumentation,
  httpInstrumentation,
  httpsInstrumentation,
  fetchInstrumentation,
  timersInstrumentation,
  childProcessInstrumentation,
  workerThreadsInstrumentation,
  pgInstrumentation,
];

const requireBuiltin = createRequire(__filename);

/**
 * Patch the builtins now (and make ESM named imports of them see the
 * patches); patch packages when the program loads them.
 */
export function instrumentAll(list: readonly Instrumentation[] = instrumentations): void {
  for (const instrumentation of list) {
    if (!instrumentation.builtin) continue;
    try {
      const exports = instrumentation.target ? instrumentation.target() : requireBuiltin(`node:${instrumentation.module}`);
      nameTarget(exports, instrumentation.module);
      instrumentation.patch(exports, instrumentation.module);
    } catch (error) {
      warnOnce(`cannot instrument ${instrumentation.module}: ${(error as Error).message}`);
    }
  }
  syncBuiltinESMExports();
  hookPackages(list.filter((instrumentation) => !instrumentation.builtin));
}

/**
 * require-in-the-middle sees a package's internal files even when the program
 * imports the package from ESM (its own requires still go through
 * Module.prototype.require), so no ESM loader is needed for CJS packages.
 */
function hookPackages(list: readonly Instrumentation[]): void {
  const byFile = new Map<string, Instrumentation>();
  for (const instrumentation of list) for (const file of instrumentation.files ?? [instrumentation.module]) byFile.set(file, instrumentation);
  // Once per process: the test helpers start tracking again in each Jest test file.
  const hooked = processWide('packageHooks', () => new Set<string>());
  const packages = [...new Set([...byFile.keys()].map(packageOf))].filter((pkg) => !hooked.has(pkg));
  if (packages.length === 0) return;
  for (const pkg of packages) hooked.add(pkg);
  whenRequireIsFirstUsed(() => {
    try {
      hookRequire(packages, byFile);
    } catch (error) {
      warnOnce(`cannot hook require() for ${packages.join(', ')}: ${(error as Error).message}; they are not tracked`);
    }
  });
}

/**
 * require-in-the-middle (and its `debug` dependency) costs ~6 ms to load: it
 * is loaded on the program's first require() call, which it then sees. A
 * program that never calls require() (`node -e 0`, pure ESM) never pays.
 * Packages imported from ESM still reach their own files through require().
 */
function whenRequireIsFirstUsed(install: () => void): void {
  const proto = (Module as unknown as { prototype: { require: (id: string) => unknown } }).prototype;
  const original = proto.require;
  let installed = false;
  proto.require = function require(this: unknown, id: string): unknown {
    if (installed) return original.call(this, id); // only when someone wrapped us meanwhile
    installed = true;
    const restorable: boolean = proto.require === require;
    if (restorable) proto.require = original;
    install();
    return restorable ? proto.require.call(this, id) : original.call(this, id);
  };
}

function hookRequire(packages: string[], byFile: Map<string, Instrumentation>): void {
  const { Hook } = requireBuiltin('require-in-the-middle') as typeof import('require-in-the-middle');
  new Hook(packages, { internals: true }, (exports, name, basedir) => {
    const file = name.split(sep).join('/');
    const instrumentation = byFile.get(file);
    if (!instrumentation || !basedir) return exports;
    const pkg = packageOf(file);
    if (!knownVersion(instrumentation, pkg, basedir)) return exports;
    try {
      return (instrumentation.patch(exports, file) ?? exports) as typeof exports;
    } catch (error) {
      warnOnce(`cannot instrument ${file}: ${(error as Error).message}; it is not tracked`);
      return exports;
    }
  });
}

function packageOf(file: string): string {
  const parts = file.split('/');
  return file.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function knownVersion(instrumentation: Instrumentation, pkg: string, basedir: string): boolean {
  const majors = instrumentation.packages?.[pkg];
  if (!majors) return true;
  let version = 'unknown';
  try {
    version = String(JSON.parse(readFileSync(join(basedir, 'package.json'), 'utf8')).version);
  } catch {
    // fall through: unknown version
  }
  const major = Number.parseInt(version, 10);
  if (majors.includes(major)) return true;
  warnOnce(`${pkg} ${version} is not a version leaktrack knows (supported: ${majors.map((m) => `${m}.x`).join(', ')}); ${pkg} is not tracked`);
  return false;
}
