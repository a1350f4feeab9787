// For comparison only: the async_hooks way (why-is-node-running, jest
// --detectOpenHandles): a stack captured for every async resource in init,
// dropped in destroy. Loaded with --import in place of leaktrack.
import { createHook } from 'node:async_hooks';

const open = new Map();
createHook({
  init(asyncId, type) {
    if (type === 'PROMISE') return; // as those tools do: promises would cost far more
    const holder = {};
    Error.captureStackTrace(holder);
    open.set(asyncId, { type, holder });
  },
  destroy(asyncId) {
    open.delete(asyncId);
  },
}).enable();
globalThis.asyncHooksTracked = open;
