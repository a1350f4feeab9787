// child_process: a child still running at exit. spawn, exec, execFile and fork
// all create a ChildProcess and call its spawn(): one patch covers them, and
// the first user frame is the line that called any of them. spawnSync and
// execSync return when the child is gone: never a resource.
import type * as childProcess from 'node:child_process';
import { shorten, type ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { record } from './record';
import { unwrapMethods, wrapMethod } from './wrap';

type Child = childProcess.ChildProcess;

/**
 * Running until it exits or is killed, unref'd or not: a child left running
 * is the contract's "a child still running".
 */
export const childProcessKind: ResourceKind<Child> = {
  name: 'child_process.ChildProcess',
  isOpen: (child) => child.exitCode === null && child.signalCode === null && !child.killed,
  describe: (child) => {
    if (!child) return 'child process';
    return `child process ${child.pid}: ${shorten(child.spawnargs.join(' '))}`;
  },
};

export const childProcessDefinition: ModuleDefinition = {
  name: 'child_process',
  kinds: [childProcessKind],
  files: [
    {
      file: 'node:child_process',
      patch(module: typeof childProcess) {
        wrapMethod(module.ChildProcess.prototype, 'spawn', (original) =>
          function spawn(this: Child) {
            const result = original.apply(this, arguments);
            // A child that failed to start (ENOENT, EACCES) has no pid.
            if (this.pid !== undefined) record(childProcessKind, this, spawn);
            return result;
          },
        );
      },
      unpatch: (module: typeof childProcess) => unwrapMethods(module.ChildProcess.prototype, ['spawn']),
    },
  ],
};
