import type { Leak } from './leaks';
import { formatText, plural } from './text';

/** Thrown by scope.check() and the test helpers: the message is the report. */
export class LeakError extends Error {
  readonly leaks: Leak[];

  /** `next`: what happens next, said after the report (a leak that will keep the run from ending). */
  constructor(leaks: Leak[], owner: string, next?: string) {
    const report = formatText(leaks, { color: false, frameWord: 'from', title: `${owner} left ${plural(leaks.length, 'resource')} open` }).trimEnd();
    super(next ? `${report}\n${next}` : report);
    this.name = 'LeakError';
    this.leaks = leaks;
  }
}
