// WebSocket clients of undici: Node's global WebSocket (22+) and the npm
// package's. Neither can be patched: the global is a V8 lazy property (even
// reading its descriptor loads all of undici), and the class is reached
// through no public module. undici publishes on diagnostics_channel, which
// both copies share, so this definition only subscribes:
//
// - `undici:request:create` comes synchronously inside `new WebSocket()`
//   (the constructor starts the handshake request), ~30 frames below the
//   user's line: the stack is taken there, deep enough to reach it;
// - `undici:client:sendHeaders` gives the handshake's socket: the resource,
//   open until it closes (close(), the peer, an error). The socket lives as
//   long as the connection; a refused connect never gets this far, and a
//   handshake answered with anything but 101 destroys it (measured on undici
//   6 to 8, even on a connection the server keeps open).
//
// The socket's own net.Socket tag opens in undici's code with no user frame:
// it is never reported, so the connection is reported once, as the WebSocket.
import type { Socket } from 'node:net';
import { currentStackDepth, type CapturedStack } from '../core/stack';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { openingStack, recordOpened } from './record';

/** Frames kept for a handshake: the user's line is ~30 below the channel (measured on Node 22 to 26). */
const HANDSHAKE_DEPTH = 64;

interface UndiciRequest {
  upgrade?: unknown;
  origin?: unknown;
  path?: unknown;
}

export const webSocketKind: ResourceKind<Socket> = {
  name: 'undici.WebSocket',
  isOpen: (socket) => !socket.destroyed,
  describe: (_socket, url) => `WebSocket to ${String(url)} (never closed)`, // no comma after a URL: redaction reads it as part of a query value
};

/** Handshakes started, until their socket is known. */
const starting = new WeakMap<UndiciRequest, { stack: CapturedStack; url: string }>();

/** The URL the program gave, as ws:/wss: (undici's handshake request is http:/https:). Redacted when reported, like every description. */
function webSocketUrl(request: UndiciRequest): string {
  return `${String(request.origin).replace(/^http/, 'ws')}${typeof request.path === 'string' ? request.path : ''}`;
}

function onRequestCreate({ request }: { request: UndiciRequest }): void {
  if (request.upgrade !== 'websocket') return; // every fetch and undici request passes here: one comparison
  // Outermost even inside npm undici's dispatch (undici.ts nests what a dispatch creates): the user opened a WebSocket.
  const stack = openingStack(webSocketKind, onRequestCreate, { depth: Math.max(HANDSHAKE_DEPTH, currentStackDepth()), outermost: true });
  if (stack) starting.set(request, { stack, url: webSocketUrl(request) });
}

function onSendHeaders({ request, socket }: { request: UndiciRequest; socket: Socket }): void {
  const handshake = starting.get(request);
  if (!handshake) return;
  starting.delete(request);
  recordOpened(webSocketKind, socket, handshake.stack, handshake.url);
}

export const webSocketDefinition: ModuleDefinition = {
  name: 'websocket',
  kinds: [webSocketKind],
  files: [],
  channels: [
    { channel: 'undici:request:create', onMessage: onRequestCreate },
    { channel: 'undici:client:sendHeaders', onMessage: onSendHeaders },
  ],
};
