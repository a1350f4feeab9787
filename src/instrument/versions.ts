// Version ranges of module definitions: `8.x`, `>=22.4`, `>=6 <8`, `6.x || 7.x`.
// A small subset of semver ranges, enough to say which versions a patch knows.

type Triple = [number, number, number];

/** `8.23.1` → [8, 23, 1]; pre-release tags and a leading `v` are ignored. */
function parse(version: string): Triple | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const COMPARATOR = /^(>=|<=|>|<|=)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/;

function matches(version: Triple, comparator: string): boolean {
  if (comparator === '*' || comparator === 'x') return true;
  const m = COMPARATOR.exec(comparator);
  if (!m) return false;
  const [, op, major, minor, patch] = m;
  const wild = (part: string | undefined) => part === undefined || part === 'x' || part === '*';
  const bound: Triple = [Number(major), wild(minor) ? 0 : Number(minor), wild(patch) ? 0 : Number(patch)];
  const order = compare(version, bound);
  switch (op) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    default:
      // `8.x` / `8`: that major (and minor, when given)
      return version[0] === bound[0] && (wild(minor) || version[1] === bound[1]) && (wild(patch) || version[2] === bound[2]);
  }
}

export function satisfies(version: string, range: string): boolean {
  const parsed = parse(version);
  if (!parsed) return false;
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().split(/\s+/).filter(Boolean);
    return comparators.length > 0 && comparators.every((comparator) => matches(parsed, comparator));
  });
}
