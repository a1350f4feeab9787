import { writeSync } from 'node:fs';
import { processWide } from './process-wide';

/** Once per process, also when Jest loads leaktrack again for each test file. */
const said = processWide('warned', () => new Set<string>());

/**
 * One line on stderr, once per distinct message. Written straight to fd 2 so
 * it works inside 'exit' listeners and whatever the program did to
 * process.stderr; never throws into the program.
 */
export function warnOnce(message: string): void {
  if (said.has(message)) return;
  said.add(message);
  writeStderr(`leaktrack: ${message}\n`);
}

export function writeStderr(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  for (let tries = 0; offset < bytes.length && tries < 1000; tries++) {
    try {
      offset += writeSync(2, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}
