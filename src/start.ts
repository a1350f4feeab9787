const kStarted = Symbol.for('leaktrack.started');
type Flagged = typeof globalThis & { [kStarted]?: boolean };

/** True the first time in a process: the hook may be loaded twice (NODE_OPTIONS and --import). */
export function firstStart(): boolean {
  const global = globalThis as Flagged;
  if (global[kStarted]) return false;
  global[kStarted] = true;
  return true;
}
