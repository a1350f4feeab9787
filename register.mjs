// `node --import leaktrack/register app.mjs`. The hook is one CommonJS bundle
// of src/start.ts, loaded through V8's code cache (src/load-hook.ts): going
// through the ESM loader, or loading its files one by one, costs start-up time.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./dist/load-hook.js').startHook('hook');
