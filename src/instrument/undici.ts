// undici, the npm package (majors 6 and 7; Node's own fetch is fetch.ts):
// Client, Pool and Agent never closed, and a request() whose body is never
// consumed (promise or callback form). The sockets undici opens for them
// come later, from its own code (no user frame): never reported. What a
// dispatch creates synchronously (an Agent's pools, a Pool's clients) is
// opened inside it: the outer one's. The global dispatcher is nobody's
// leak, like http.globalAgent. stream() consumes each body itself, into the
// program's own writable (tracked by its kind when it is a file or socket).
import type { Readable } from 'node:stream';
import type { CapturedStack } from '../core/stack';
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


/** A Pool's or Client's origin, for what pool.request({ path }) answers (its options have none). */
const origins = new WeakMap<object, string>();

function trackDispatcher(kind: ResourceKind<Dispatcher>) {
  return {
    file: `undici/lib/dispatcher/${kind.name.slice(7).toLowerCase()}.js`,
    versions: '6.x || 7.x',
    patch: (Class: new (...args: any[]) => Dispatcher) =>
      trackConstruction(Class, (dispatcher: Dispatcher, construct, [origin]) => {
        const url = urlOrigin(origin);
        if (url) origins.set(dispatcher, url);
        record(kind, dispatcher, construct, url);
      }),
    unpatch() {
      // A class replaced in require's cache: the proxy stays, and records nothing once its kind is off.
    },
  };
}

interface RequestOptions {
  method?: string;
  origin?: unknown;
}
interface ResponseData {
  body?: Readable;
  statusCode?: number;
}
type Callback = (this: unknown, error: unknown, data?: ResponseData) => unknown;
type RequestFn = ((this: unknown, options: RequestOptions, callback?: Callback) => unknown) & Record<string, unknown>;

/** What request() answered: its body is open until consumed. Called once per response, inside the boundary. */
function recordBody(dispatcher: unknown, options: RequestOptions | undefined, data: ResponseData | undefined, stack: CapturedStack): void {
  safely(responseKind, () => {
    const origin = urlOrigin(options) ?? origins.get(dispatcher as object) ?? 'a URL that does not parse';
    if (data?.body) recordOpened(responseKind, data.body, stack, { method: options?.method ?? 'GET', origin, status: data.statusCode });
  });
}

/**
 * undici's request(options, callback?), which the top-level request() and
 * every dispatcher's request() call with the origin in the options. Promise
 * form: the program gets a promise of the same data (as fetch.ts: a
 * rejection reaches it exactly once). Callback form: it gets undefined, as
 * bare, and its callback is called with the same this and arguments.
 */
function patchRequest(original: RequestFn): RequestFn {
  const request = function request(this: unknown, options: RequestOptions, callback?: Callback) {
    const stack = openingStack(responseKind, request);
    if (!stack) return Reflect.apply(original, this, arguments);
    const dispatcher = this;
    if (typeof callback === 'function') {
      const args = [...arguments];
      args[1] = function (this: unknown, error: unknown, data?: ResponseData) {
        if (!error) recordBody(dispatcher, options, data, stack);
        return Reflect.apply(callback, this, arguments);
      };
      return Reflect.apply(original, this, args);
    }
    const pending = Reflect.apply(original, this, arguments) as Promise<ResponseData>;
    return (async () => {
      const data = await pending;
      recordBody(dispatcher, options, data, stack);
      return data;
    })();
  } as RequestFn;
  Object.assign(request, original); // RequestHandler, as the original exports it
  return request;
}

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
      patch: patchRequest,
      unpatch() {
        // replaced in require's cache, as the dispatchers are
      },
    },
  ],
};
