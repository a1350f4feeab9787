/**
 * One patched module. Builtins are patched when the hook loads; packages when
 * the program first requires them (through require-in-the-middle, which also
 * sees a package's internal files when the program imports it from ESM).
 */
export interface Instrumentation {
  /** The module as a program names it: `net`, `pg`. */
  readonly module: string;
  /** Node builtin (patched at start) or an npm package (patched on load). */
  readonly builtin: boolean;
  /** For a builtin that is not a module (global fetch): what to patch. */
  readonly target?: () => object;
  /**
   * Packages: the major versions this adapter knows, per package it patches.
   * Another version is left alone, with one line on stderr.
   */
  readonly packages?: Readonly<Record<string, readonly number[]>>;
  /**
   * Package files to patch, as require-in-the-middle names them (`pg-pool`,
   * `pg/lib/client.js`).
   */
  readonly files?: readonly string[];
  /** Patch the loaded exports of `file`; may return replacement exports. */
  patch(exports: any, file: string): unknown;
}
