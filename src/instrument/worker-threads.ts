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
  describe: (worker, source) => `worker thread ${worker ? worker.threadId : '?'} running ${shorten(String(source))}`,
};

/** The file a worker runs; eval'd code is never printed (it may hold anything). */
function sourceOf(filename: unknown, options: unknown): string {
  if ((options as { eval?: unknown } | undefined)?.eval === true) return 'code given with eval: true';
  return filename instanceof URL ? filename.href : String(filename);
}

export const workerThreadsDefinition: ModuleDefinition = {
  name: 'worker_threads',
  kinds: [workerKind],
  files: [
    {
      file: 'node:worker_threads',
      patch(module: typeof workerThreads) {
        wrapConstructor(module, 'Worker', (worker: workerThreads.Worker, construct, [filename, options]) => {
          record(workerKind, worker, construct, sourceOf(filename, options));
        });
      },
      unpatch: (module: typeof workerThreads) => unwrapMethods(module, ['Worker']),
    },
  ],
};
