import type { Leak } from './leaks';
import { formatText, plural } from './text';

/** Thrown by scope.check() and the test helpers: the message is the report. */
export class LeakError extends Error {
  readonly leaks: Leak[];

  constructor(leaks: Leak[], owner: string) {
    super(formatText(leaks, { color: false, frameWord: 'from', title: `${owner} left ${plural(leaks.length, 'resource')} open` }).trimEnd());
    this.name = 'LeakError';
    this.leaks = leaks;
  }
}
