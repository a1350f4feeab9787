// Which leaks a report shows: the configured kinds, minus the accepted ones
// (ignore rules by kind, by file glob of the opening site, by description).
import { isAbsolute, relative } from 'node:path';
import type { IgnoreRule } from '../config';
import type { Leak } from './leaks';

export type LeakFilter = (leak: Leak) => boolean;

/** `net.Socket` matches itself; `net.*` matches the family. */
export function kindMatches(pattern: string, kind: string): boolean {
  return pattern === kind || pattern === '*' || (pattern.endsWith('.*') && kind.startsWith(pattern.slice(0, -1)));
}

/** `**` any depth, `*` within a path segment, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function makeLeakFilter(options: { kinds?: string[]; ignore: IgnoreRule[] }, cwd = process.cwd()): LeakFilter | undefined {
  const { kinds, ignore } = options;
  if (!kinds && ignore.length === 0) return undefined;
  const rules = ignore.map((rule) => ({
    kind: rule.kind,
    file: rule.file === undefined ? undefined : globToRegExp(rule.file),
    description: rule.description === undefined ? undefined : new RegExp(rule.description),
  }));
  const fileOf = (leak: Leak) => {
    const file = leak.openedAt.file;
    return isAbsolute(file) ? relative(cwd, file).split('\\').join('/') : file;
  };
  return (leak) => {
    if (kinds && !kinds.some((pattern) => kindMatches(pattern, leak.kind))) return false;
    // A rule ignores a leak when all of its fields match.
    return !rules.some(
      (rule) =>
        (rule.kind === undefined || kindMatches(rule.kind, leak.kind)) &&
        (rule.file === undefined || rule.file.test(fileOf(leak)) || rule.file.test(leak.openedAt.file)) &&
        (rule.description === undefined || rule.description.test(leak.description)),
    );
  };
}
