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
  /** Package major versions this adapter knows; others are left alone, with a message. */
  readonly majors?: readonly number[];
  /**
   * Package files to patch, as require-in-the-middle names them (`pg-pool`,
   * `pg/lib/client.js`); defaults to the module itself.
   */
  readonly files?: readonly string[];
  /** Patch the loaded exports of `file` in place. */
  patch(exports: any, file: string): void;
}
