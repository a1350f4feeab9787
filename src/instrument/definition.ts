// The shape of a module definition: what one patched module declares, so
// that the installer, config validation (kind names), the README's kind
// table and the every-kind example all read one registry (index.ts).
import type { ResourceKind } from '../core/tag';

/** One file a definition patches, for the versions it knows. */
export interface PatchedFile<Exports = any> {
  /**
   * `node:fs` for a builtin, `globalThis` for globals (fetch), or a package
   * file as require-in-the-middle names it (`pg-pool`, `pg/lib/client.js`).
   */
  readonly file: string;
  /**
   * The versions this patch is written for: of Node for a builtin or a
   * global, of the file's package otherwise. A range like `8.x`, `>=22.4`,
   * `>=6 <8`, `6.x || 7.x`; any version when absent. Another version is left
   * alone, with one line on stderr for a package.
   */
  readonly versions?: string;
  /** Patch the loaded exports; may return replacement exports (packages only). */
  patch(exports: Exports): Exports | void;
  /** Undo `patch` on the same exports. */
  unpatch(exports: Exports): void;
}

/** Opens that Node (or a library) publishes on a diagnostics channel: subscribed instead of patched. */
export interface ChannelSource {
  readonly channel: string;
  readonly onMessage: (message: any, name: string | symbol) => void;
}

export interface ModuleDefinition {
  /** The module as a program names it: `net`, `pg`. */
  readonly name: string;
  /** Every kind it produces. */
  readonly kinds: readonly ResourceKind[];
  readonly files: readonly PatchedFile[];
  readonly channels?: readonly ChannelSource[];
  /**
   * Resources of its kinds open right now that it could not see (opened
   * before its patch ran), and why: the exit report counts them, so a
   * blind spot is said, never silent.
   */
  readonly unseen?: { readonly kind: string; count(): number; readonly why: string };
}

/** Builtins are patched at start; package files when the program loads them. */
export const isBuiltinFile = (file: PatchedFile) => file.file.startsWith('node:') || file.file === 'globalThis';
