// Global fetch (undici inside Node): a Response whose body is neither
// consumed nor cancelled is a fetch.Response leak. The sockets undici opens
// for it, later and from its own code, have no user frame: never reported.
import { inspect } from 'node:util';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { openingStack, recordOpened, safely } from './record';
import { unwrapMethods, wrapMethod } from './wrap';

/**
 * The body stream is what holds the connection, so it is what we watch (the
 * Response object itself may be collected while undici still holds the
 * body). Its state ('readable', 'closed', 'errored') is Node's internal
 * `kState` record, found by the symbol's name: inspect() shows the same but
 * costs far more, and the tracker asks on the next open. inspect() stays the
 * fallback for a Node that names it differently.
 */
let kState: symbol | undefined | null = null;

function streamState(body: ReadableStream): string | undefined {
  if (kState === null) kState = Object.getOwnPropertySymbols(body).find((symbol) => symbol.description === 'kState');
  const state = kState && (body as unknown as Record<symbol, { state?: unknown } | undefined>)[kState]?.state;
  if (typeof state === 'string') return state;
  return /state: '(\w+)'/.exec(inspect(body))?.[1];
}

export const responseKind: ResourceKind<ReadableStream> = {
  name: 'fetch.Response',
  isOpen: (body) => streamState(body) === 'readable',
  describe: (_body, detail) => {
    const { method, url, status } = detail as { method: string; url: string; status: number };
    return `${method} ${url} (response ${status}, body neither consumed nor cancelled)`;
  },
};

export const fetchDefinition: ModuleDefinition = {
  name: 'fetch',
  kinds: [responseKind],
  files: [
    {
      file: 'globalThis',
      patch(global: typeof globalThis) {
        if (typeof global.fetch !== 'function') return;
        wrapMethod(global, 'fetch', (original) =>
          // A plain function, like Node's: a fetch left out (sampled mode, or
          // its kind off) returns Node's own promise, with no extra promise
          // or tick; a tracked one gets one `.then` more.
          function fetch(this: unknown, input: unknown, init?: { method?: string }) {
            const stack = openingStack(responseKind, fetch);
            const pending: Promise<Response> = original.apply(this, arguments);
            if (stack === undefined) return pending;
            // A refused fetch rejects: no resource, and the same rejection.
            return pending.then((response) => {
              safely(responseKind, () => {
                if (!response.body) return;
                const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
                recordOpened(responseKind, response.body, stack, { method, url: response.url, status: response.status });
              });
              return response;
            });
          },
        );
      },
      unpatch: (global: typeof globalThis) => unwrapMethods(global, ['fetch']),
    },
  ],
};
