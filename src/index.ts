// The public API: `import { Tracker, report } from 'leaktrack'`.
export { Tracker, processTracker } from './core/tracker';
export { Tag, type ResourceKind } from './core/tag';
export type { Frame } from './core/stack';
export { buildReport as report, type Leak, type LeakReport } from './report/leaks';
export { formatText } from './report/text';
