// The public API: `import { Tracker, scope, report } from 'leaktrack'`.
export { Tracker, processTracker } from './core/tracker';
export { Tag, type ResourceKind } from './core/tag';
export type { Frame } from './core/stack';
export { Scope, scope, withScope, currentScope } from './scope';
export { LeakError } from './report/leak-error';
export { buildReport as report, type Leak, type LeakReport } from './report/leaks';
export { formatText } from './report/text';
export { startCensus, type Census, type CensusSite } from './report/census';
