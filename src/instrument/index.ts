// The registry of module definitions. Adding a module, and the kinds it
// produces, is one file and one line here: config validation, the README's
// kind table and the every-kind example are checked against this list.
import type { ModuleDefinition } from './definition';
import { childProcessDefinition } from './child-process';
import { dgramDefinition } from './dgram';
import { fetchDefinition } from './fetch';
import { fsDefinition } from './fs';
import { fsDirDefinition } from './fs-dir';
import { httpDefinition } from './http';
import { http2Definition } from './http2';
import { jestRuntimeDefinition } from './jest-runtime';
import { messagePortDefinition } from './message-port';
import { netDefinition } from './net';
import { pgDefinition } from './pg';
import { timersDefinition } from './timers';
import { undiciDefinition } from './undici';
import { webSocketDefinition } from './websocket';
import { workerThreadsDefinition } from './worker-threads';

export const definitions: readonly ModuleDefinition[] = [
  fsDefinition,
  fsDirDefinition,
  netDefinition,
  httpDefinition,
  http2Definition,
  fetchDefinition,
  timersDefinition,
  childProcessDefinition,
  workerThreadsDefinition,
  messagePortDefinition,
  dgramDefinition,
  pgDefinition,
  undiciDefinition,
  webSocketDefinition,
  jestRuntimeDefinition,
];

/** Every kind name the definitions produce, in registry order. */
export function kindNames(list: readonly ModuleDefinition[] = definitions): string[] {
  return [...new Set(list.flatMap((definition) => definition.kinds.map((kind) => kind.name)))];
}
