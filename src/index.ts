// The public API: `import { Tracker, scope, report } from 'leaktrack'`.
import { buildReport, type LeakReport } from './report/leaks';
import { startForApi } from './start';
export { Tracker, processTracker } from './core/tracker';
export { Tag, type ResourceKind } from './core/tag';
export type { Frame } from './core/stack';
export { Scope, scope, withScope, currentScope } from './scope';
export { LeakError } from './report/leak-error';
export { type Leak, type LeakReport } from './report/leaks';
export { formatText } from './report/text';
export { startCensus, type Census, type CensusSite } from './report/census';

/** What is open now, as the JSON report's structure (starts tracking, with one line, if the hook is not loaded). */
export function report(): LeakReport {
  startForApi();
  return buildReport();
}
