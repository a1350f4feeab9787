// The stderr report: what a person reads first. Identical opening sites are
// folded into one entry with a count; paths are relative to the cwd.
import { relative, isAbsolute } from 'node:path';
import type { Frame } from '../core/stack';
import type { Leak } from './leaks';

export interface TextOptions {
  color?: boolean;
  cwd?: string;
  /** The first line; default `leaktrack: N resources still open`. */
  title?: string;
  /**
   * Word before each frame; default `at`. Error messages use another: test
   * runners (Jest) take lines starting with `at` for the error's own stack.
   */
  frameWord?: string;
}

interface Site {
  kind: string;
  leaks: Leak[];
}

export function formatText(leaks: Leak[], options: TextOptions = {}): string {
  if (leaks.length === 0) return '';
  const cwd = options.cwd ?? process.cwd();
  const paint = painter(options.color ?? false);
  const where = (frame: Frame) => `${displayPath(frame.file, cwd)}:${frame.line}:${frame.column}`;

  const byKind = new Map<string, Site[]>();
  const sites = new Map<string, Site>();
  for (const leak of leaks) {
    const key = `${leak.kind}\n${leak.stack.map(where).join('\n')}`;
    let site = sites.get(key);
    if (!site) {
      site = { kind: leak.kind, leaks: [] };
      sites.set(key, site);
      const list = byKind.get(leak.kind) ?? [];
      list.push(site);
      byKind.set(leak.kind, list);
    }
    site.leaks.push(leak);
  }

  const out: string[] = [paint.bold(options.title ?? `leaktrack: ${plural(leaks.length, 'resource')} still open`), ''];
  for (const [kind, kindSites] of byKind) {
    const count = kindSites.reduce((n, site) => n + site.leaks.length, 0);
    out.push(paint.bold(`${kind} (${count})`));
    for (const site of kindSites) {
      const [first] = site.leaks;
      const times = site.leaks.length > 1 ? `${site.leaks.length}× ` : '';
      out.push(`  ${paint.red(`${times}${kind}`)} opened at ${paint.bold(where(first.openedAt))}`);
      const descriptions = [...new Set(site.leaks.map((leak) => leak.description).filter(Boolean))];
      if (descriptions.length > 0) {
        const more = descriptions.length > 1 ? ` (and ${descriptions.length - 1} more)` : '';
        out.push(`    ${paint.dim(descriptions[0] + more)}`);
      }
      for (const frame of first.stack) out.push(`      ${options.frameWord ?? 'at'} ${frame.function} (${where(frame)})`);
    }
    out.push('');
  }
  const perKind = [...byKind].map(([kind, s]) => `${s.reduce((n, site) => n + site.leaks.length, 0)} ${kind}`);
  out.push(paint.bold(`leaktrack: ${plural(leaks.length, 'leak')} from ${plural(sites.size, 'site')}: ${perKind.join(', ')}`));
  return out.join('\n') + '\n';
}

/** A path relative to the cwd when it is under it; absolute otherwise. */
export function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}

export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

function painter(color: boolean) {
  const code = (open: number, close: number) => (text: string) => (color ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { bold: code(1, 22), dim: code(2, 22), red: code(31, 39) };
}

/** Colour only on a terminal, and never with NO_COLOR set. */
export function stderrWantsColor(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  // not process.stderr: reading it would open a stream; node:tty loads net, so only now
  return (require('node:tty') as typeof import('node:tty')).isatty(2);
}
