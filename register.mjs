// `node --import leaktrack/register app.mjs`. The hook is one CommonJS bundle
// of src/start.ts, loaded with require: going through the ESM loader, or
// loading its files one by one, costs start-up time.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./dist/hook.bundle.js').start('hook');
