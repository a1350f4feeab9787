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
    // The stack is where the first leak was opened, not leaktrack's own code:
    // runners show the code frame of the stack's top (Jest, Vitest), and it
    // is the line to fix.
    const frames = leaks[0]?.stack ?? [];
    if (frames.length > 0) {
      const at = frames.map((frame) => `    at ${frame.function ? `${frame.function} (${frame.file}:${frame.line}:${frame.column})` : `${frame.file}:${frame.line}:${frame.column}`}`);
      this.stack = `${this.name}: ${this.message}\n${at.join('\n')}`;
    }
  }
}
