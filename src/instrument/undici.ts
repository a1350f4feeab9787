// undici, the npm package (majors 6 and 7; Node's own fetch is fetch.ts):
// Client, Pool and Agent never closed, and a request() whose body is never
// consumed. The sockets undici opens for them come later, from its own code
// (no user frame): never reported. What a dispatch creates synchronously (an
// Agent's pools, a Pool's clients) is opened inside it: the outer one's.
// The global dispatcher is nobody's leak, like http.globalAgent.
import type { Readable } from 'node:stream';
import type { ResourceKind } from '../core/tag';
import { urlOrigin } from '../report/redact';
import type { ModuleDefinition } from './definition';
import { openedInside } from './ownership';
import { openingStack, record, recordOpened, safely } from './record';
import { trackConstruction, unwrapMethods, wrapMethod } from './wrap';

interface Dispatcher {
  closed?: boolean;
  destroyed?: boolean;
}

const GLOBAL_DISPATCHERS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')];
const isGlobal = (dispatcher: object) => GLOBAL_DISPATCHERS.some((key) => (globalThis as Record<symbol, unknown>)[key] === dispatcher);

function dispatcherKind(name: 'Agent' | 'Pool' | 'Client'): ResourceKind<Dispatcher> {
  return {
    name: `undici.${name}`,
    isOpen: (dispatcher) => !dispatcher.closed && !dispatcher.destroyed && !isGlobal(dispatcher),
    describe: (_dispatcher, origin) => `undici ${name}${origin ? ` for ${String(origin)}` : ''}, never closed (close() or destroy())`,
  };
}

export const agentKind = dispatcherKind('Agent');
export const poolKind = dispatcherKind('Pool');
export const clientKind = dispatcherKind('Client');

/** request()'s body: open until read to its end or destroyed (dump(), an error). */
export const responseKind: ResourceKind<Readable> = {
  name: 'undici.Response',
  isOpen: (body) => !body.readableEnded && !body.destroyed,
  describe: (_body, detail) => {
    const { method, origin, status } = detail as { method: string; origin: string; status: number };
    return `request() ${method} ${origin} (response ${status}, body never consumed)`;
  },
};


function trackDispatcher(kind: ResourceKind<Dispatcher>) {
  return {
    file: `undici/lib/dispatcher/${kind.name.slice(7).toLowerCase()}.js`,
    versions: '6.x || 7.x',
    patch: (Class: new (...args: any[]) => Dispatcher) =>
      trackConstruction(Class, (dispatcher: Dispatcher, construct, [origin]) => record(kind, dispatcher, construct, urlOrigin(origin))),
    unpatch() {
      // A class replaced in require's cache: the proxy stays, and records nothing once its kind is off.
    },
  };
}

type RequestFn = ((this: unknown, url: unknown, options?: { method?: string }, callback?: unknown) => unknown) & Record<string, unknown>;

export const undiciDefinition: ModuleDefinition = {
  name: 'undici',
  kinds: [agentKind, poolKind, clientKind, responseKind],
  files: [
    {
      file: 'undici/lib/dispatcher/dispatcher-base.js',
      versions: '6.x || 7.x',
      patch(DispatcherBase: { prototype: { dispatch(...args: unknown[]): unknown } }) {
        wrapMethod(DispatcherBase.prototype, 'dispatch', (original) =>
          function dispatch(this: unknown) {
            return openedInside(original, this, arguments);
          },
        );
      },
      unpatch: (DispatcherBase: { prototype: object }) => unwrapMethods(DispatcherBase.prototype, ['dispatch']),
    },
    trackDispatcher(agentKind),
    trackDispatcher(poolKind),
    trackDispatcher(clientKind),
    {
      file: 'undici/lib/api/api-request.js',
      versions: '6.x || 7.x',
      patch(original: RequestFn): RequestFn {
        const request = function request(this: unknown, url: unknown, options?: { method?: string }, callback?: unknown) {
          const stack = typeof callback === 'function' ? undefined : openingStack(responseKind, request);
          if (!stack) return original.apply(this, arguments as unknown as Parameters<RequestFn>);
          // As fetch.ts: the program gets this promise, so a rejection reaches it exactly once.
          const pending = original.apply(this, arguments as unknown as Parameters<RequestFn>) as Promise<{ body?: Readable; statusCode?: number }>;
          return (async () => {
            const data = await pending;
            safely(responseKind, () => {
              if (data?.body) recordOpened(responseKind, data.body, stack, { method: options?.method ?? 'GET', origin: urlOrigin(url) ?? 'a URL that does not parse', status: data.statusCode });
            });
            return data;
          })();
        } as RequestFn;
        Object.assign(request, original); // RequestHandler, as the original exports it
        return request;
      },
      unpatch() {
        // replaced in require's cache, as the dispatchers are
      },
    },
  ],
};
