// The global WebSocket (Node 22+, Node's bundled undici): a client never
// closed. Tagged at `new WebSocket()`; open until closed (readyState CLOSED:
// close(), the peer closing, a failed connection). Its socket is opened later
// inside undici, with no frame of the user's: never a net.Socket of its own.
import type { ResourceKind } from '../core/tag';
import { urlOrigin } from '../report/redact';
import type { ModuleDefinition } from './definition';
import { record } from './record';
import { unwrapMethods, wrapConstructor } from './wrap';

const CONNECTING = 0;
const CLOSED = 3;

/**
 * Node 22's undici leaves a refused WebSocket CONNECTING for good (it fires
 * 'error', never 'close'); its handshake's fetch controller says 'aborted'.
 */
function failedToConnect(ws: object): boolean {
  const key = Object.getOwnPropertySymbols(ws).find((symbol) => symbol.description === 'controller');
  const state = key && (ws as Record<symbol, { state?: string } | undefined>)[key]?.state;
  return state === 'aborted' || state === 'terminated';
}

type WebSocketLike = { readyState: number };

export const webSocketKind: ResourceKind<WebSocketLike> = {
  name: 'websocket.WebSocket',
  isOpen: (ws) => ws.readyState !== CLOSED && !(ws.readyState === CONNECTING && failedToConnect(ws)),
  describe: (ws, origin) => `WebSocket to ${String(origin)}${ws && ws.readyState === 0 ? ' (connecting)' : ''}, never closed`,
};


export const webSocketDefinition: ModuleDefinition = {
  name: 'websocket',
  kinds: [webSocketKind],
  files: [
    {
      file: 'globalThis',
      versions: '>=22',
      patch(global: typeof globalThis) {
        if (typeof (global as { WebSocket?: unknown }).WebSocket !== 'function') return;
        wrapConstructor(global, 'WebSocket', (ws: WebSocketLike, construct, [url]) => record(webSocketKind, ws, construct, urlOrigin(url)));
      },
      unpatch: (global: typeof globalThis) => unwrapMethods(global, ['WebSocket']),
    },
  ],
};
