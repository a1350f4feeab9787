// worker_threads: a Worker whose thread is still running at exit, unref'd
// or not (like a child process still running).
import type * as workerThreads from 'node:worker_threads';
import { shorten, type ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { record } from './record';
import { unwrapMethods, wrapConstructor } from './wrap';

/** threadId turns -1 when the thread has exited (or was terminated). */
export const workerKind: ResourceKind<workerThreads.Worker> = {
  name: 'worker_threads.Worker',
  isOpen: (worker) => worker.threadId !== -1,
  describe: (worker, filename) => `worker thread ${worker ? worker.threadId : '?'} running ${shorten(String(filename))}`,
};

export const workerThreadsDefinition: ModuleDefinition = {
  name: 'worker_threads',
  kinds: [workerKind],
  files: [
    {
      file: 'node:worker_threads',
      patch(module: typeof workerThreads) {
        wrapConstructor(module, 'Worker', (worker: workerThreads.Worker, construct, [filename]) => {
          record(workerKind, worker, construct, filename instanceof URL ? filename.href : filename);
        });
      },
      unpatch: (module: typeof workerThreads) => unwrapMethods(module, ['Worker']),
    },
  ],
};
