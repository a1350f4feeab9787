// `node --import leaktrack/register app.mjs`. The hook is one CommonJS bundle
// of src/start.ts, loaded through V8's code cache (src/load-hook.mts): going
// through the ESM loader, or loading its files one by one, costs start-up time.
import { startHook } from './dist/load-hook.mjs';

startHook('hook');
