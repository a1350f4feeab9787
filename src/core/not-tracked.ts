// What this process could not track: a kind whose tracking failed, a module
// it could not patch. Said once on stderr when it happens, and kept for the
// report: a run asked to fail on leaks fails on it, since its verdict would
// leave out whatever those open.
import { processWide } from './process-wide';
import { warnOnce } from './warn';

const notTracked = processWide('notTracked', () => new Set<string>());

/** Says `message` once (`leaktrack: …`) and remembers `what` as not tracked. */
export function cannotTrack(what: string, message: string): void {
  notTracked.add(what);
  warnOnce(message);
}

/** "fs.fd was not tracked", for the lines that fail a run on it. */
export const notTrackedWords = (what: string[]) => `${what.join(', ')} ${what.length === 1 ? 'was' : 'were'} not tracked`;

/** What was not tracked, in the order it happened. */
export const notTrackedList = (): string[] => [...notTracked];
