// Package files the definitions patch, found by the name require-in-the-middle
// gives them (`pg/lib/client.js`, `pg-pool` for a package's main file) or by
// their path: a module system of a test runner's own (Jest's registry) loads
// them without require(), and a package may be loaded before leaktrack is.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, parse, sep } from 'node:path';
import { nodeModule } from '../core/builtins';
import { processWide } from '../core/process-wide';
import { addLibraryRoot } from '../core/stack';
import { cannotTrack } from '../core/not-tracked';
import { warnOnce } from '../core/warn';
import type { PatchedFile } from './definition';
import { satisfies } from './versions';

export interface PackageExports {
  /** Package exports this definition patched, to unpatch them again. */
  packageExports: Array<{ file: PatchedFile; exports: unknown }>;
}

/** Every package file a definition names, with where its patched exports are kept. */
export const packageFiles = processWide('packageFiles', () => new Map<string, { file: PatchedFile; state: PackageExports }>());
/** Exports already patched, whichever way they were reached: never twice. */
const patched = processWide('patchedPackageExports', () => new WeakSet<object>());

/** The package of a file name: `pg` of `pg/lib/client.js`, `@scope/name` of `@scope/name/x.js`. */
export function packageOfFile(file: string): string {
  const parts = file.split('/');
  return file.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Patch one loaded package file if a definition names it; returns the exports to use. */
export function patchPackageFile<T>(name: string, moduleExports: T, basedir: string): T {
  const found = packageFiles.get(name);
  if (!found || moduleExports === null || (typeof moduleExports !== 'object' && typeof moduleExports !== 'function') || patched.has(moduleExports as object)) return moduleExports;
  const { file, state } = found;
  if (!knownVersion(file, packageOfFile(file.file), basedir)) return moduleExports;
  try {
    const result = (file.patch(moduleExports) ?? moduleExports) as T;
    patched.add(moduleExports as object);
    patched.add(result as object);
    state.packageExports.push({ file, exports: moduleExports });
    return result;
  } catch (error) {
    cannotTrack(file.file, `cannot instrument ${file.file}: ${(error as Error).message}; it is not tracked`);
    return moduleExports;
  }
}

/** Patch a file loaded by path (`/app/node_modules/pg/lib/client.js`), under both of its possible names. */
export function patchPackageFileAt<T>(path: string, moduleExports: T): T {
  const at = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (at < 0) {
    const linked = linkedPackageFiles().get(withoutExtension(path));
    return linked ? patchPackageFile(linked.name, moduleExports, linked.basedir) : moduleExports;
  }
  const parts = path.slice(at + 14).split(sep);
  const depth = parts[0].startsWith('@') ? 2 : 1;
  const pkg = parts.slice(0, depth).join('/');
  const basedir = path.slice(0, at + 14) + parts.slice(0, depth).join(sep);
  const inner = `${pkg}/${parts.slice(depth).join('/')}`;
  const name = packageFiles.has(inner) ? inner : packageFiles.has(pkg) && isMainFile(basedir, path) ? pkg : undefined;
  return name ? patchPackageFile(name, moduleExports, basedir) : moduleExports;
}

/** Packages require() loaded before leaktrack started (a test runner's own): patched where they are. */
export function patchAlreadyLoaded(): void {
  const cache = nodeModule._cache ?? {};
  for (const [path, loaded] of Object.entries(cache)) {
    if (!loaded || !path.includes(`${sep}node_modules${sep}`)) continue;
    try {
      const before = loaded.exports;
      const result = patchPackageFileAt(path, before);
      if (result !== before) loaded.exports = result;
    } catch {
      // an entry of someone else's shape (a getter, a frozen record): left as it is
    }
  }
}

const withoutExtension = (path: string) => {
  const { dir, name } = parse(path);
  return join(dir, name);
};

let linked: Map<string, { name: string; basedir: string }> | undefined;

/**
 * The files of packages reached through a symlink (npm, yarn and pnpm
 * workspaces, `npm link`): Node loads them from their real path, which has no
 * `node_modules` in it, so require-in-the-middle cannot name them. Each
 * package a definition names is looked up in the `node_modules` folders
 * above the current directory and the main script, and again beside each
 * linked package found (its own dependencies). Keyed by real path without
 * the extension, as require-in-the-middle reports an absolute file it was
 * given; found once.
 */
export function linkedPackageFiles(): Map<string, { name: string; basedir: string }> {
  if (linked) return linked;
  linked = new Map();
  const starts = [process.cwd(), process.argv[1] ? dirname(process.argv[1]) : undefined].filter((dir): dir is string => !!dir);
  const packages = [...new Set([...packageFiles.keys()].map(packageOfFile))];
  for (let round = 0; round < 2; round++) {
    for (const pkg of packages) {
      const root = linkedRoot(pkg, starts);
      if (!root) continue;
      if (!starts.includes(root)) starts.push(root);
      addLibraryRoot(root); // its frames are the library's, not the user's
      for (const name of packageFiles.keys()) {
        if (packageOfFile(name) !== pkg) continue;
        const file = name === pkg ? mainFile(root) : join(root, ...name.slice(pkg.length + 1).split('/'));
        if (file) linked.set(withoutExtension(file), { name, basedir: root });
      }
    }
  }
  return linked;
}

/** The real directory of `pkg` seen from `starts`, when it is not inside a node_modules folder. */
function linkedRoot(pkg: string, starts: string[]): string | undefined {
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', ...pkg.split('/'));
      if (existsSync(candidate)) {
        try {
          const real = realpathSync(candidate);
          return real.includes(`${sep}node_modules${sep}`) ? undefined : real;
        } catch {
          return undefined;
        }
      }
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function mainFile(basedir: string): string | undefined {
  let main = 'index.js';
  try {
    main = String(JSON.parse(readFileSync(join(basedir, 'package.json'), 'utf8')).main ?? main);
  } catch {
    return undefined;
  }
  const base = join(basedir, main);
  return [base, `${base}.js`, join(base, 'index.js')].find((candidate) => existsSync(candidate) && !candidate.endsWith(sep));
}

function isMainFile(basedir: string, path: string): boolean {
  return mainFile(basedir) === path;
}

function knownVersion(file: PatchedFile, pkg: string, basedir: string): boolean {
  if (!file.versions) return true;
  let version = 'unknown';
  try {
    version = String(JSON.parse(readFileSync(join(basedir, 'package.json'), 'utf8')).version);
  } catch {
    // fall through: unknown version
  }
  if (satisfies(version, file.versions)) return true;
  warnOnce(`${pkg} ${version} is not a version leaktrack knows (supported: ${file.versions}); ${pkg} is not tracked`);
  return false;
}
