// worker_threads: a Worker whose thread is still running at exit, unref'd
// or not (like a child process still running).
import type * as workerThreads from 'node:worker_threads';
import { captureStack } from '../core/stack';
import { shorten, type ResourceKind } from '../core/tag';
import { processTracker } from '../core/tracker';
import type { Instrumentation } from './instrumentation';
import { wrapConstructor } from './wrap';

/** threadId turns -1 when the thread has exited (or was terminated). */
export const workerKind: ResourceKind<workerThreads.Worker> = {
  name: 'worker_threads.Worker',
  isOpen: (worker) => worker.threadId !== -1,
  describe: (worker, filename) => `worker thread ${worker ? worker.threadId : '?'} running ${shorten(String(filename))}`,
};

export const workerThreadsInstrumentation: Instrumentation = {
  module: 'worker_threads',
  builtin: true,
  patch(module: typeof workerThreads) {
    wrapConstructor(module, 'Worker', (worker: workerThreads.Worker, construct, [filename]) => {
      processTracker.track(workerKind, worker, captureStack(construct), filename instanceof URL ? filename.href : filename);
    });
  },
};
