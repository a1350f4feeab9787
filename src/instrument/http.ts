// http and https: client requests (http.ClientRequest) while they or their
// response hold a socket, and custom agents (http.Agent) holding idle
// keep-alive sockets. Servers are net.Server (see net.ts).
//
// A request's socket is opened inside the request (openedInside) or, for a
// queued request, later by the agent's own code (no user frame): never a
// net.Socket of its own. Idle sockets parked in http.globalAgent are nobody's
// leak: the program did not create that agent.
import type * as http from 'node:http';
import type { ResourceKind } from '../core/tag';
import { processTracker } from '../core/tracker';
import type { ModuleDefinition } from './definition';
import { openedInside } from './ownership';
import { openingStack, record, recordOpened, safely } from './record';
import { unwrapMethods, wrapConstructor, wrapMethod } from './wrap';

/**
 * Node sets req.destroyed when the socket goes back to the agent (response
 * consumed), when it closes, or on destroy()/abort.
 */
export const clientRequestKind: ResourceKind<http.ClientRequest> = {
  name: 'http.ClientRequest',
  isOpen: (req) => !req.destroyed && !(req.socket?.destroyed ?? false),
  describe: (req) => {
    if (!req) return 'HTTP request';
    const res = (req as { res?: http.IncomingMessage }).res;
    return `${requestLine(req)} (${res ? `response ${res.statusCode} not consumed` : 'no response yet'})`;
  },
};

const requestLine = (req: http.ClientRequest) => `${req.method} ${req.protocol}//${req.getHeader('host') ?? req.host}${req.path}`;

/**
 * A request that asks for an upgrade (WebSocket) or a CONNECT tunnel is
 * "destroyed" once its socket is handed over, and the library (ws) lets go
 * of the request: from the moment it gets its socket, its tag watches the
 * socket, which lives as long as the connection.
 */
export const upgradedKind: ResourceKind<{ destroyed: boolean }> = {
  name: 'http.ClientRequest',
  isOpen: (socket) => !socket.destroyed,
  describe: (_socket, line) => `${String(line)} (upgraded connection still open)`,
};

const asksForUpgrade = (req: http.ClientRequest) => req.method === 'CONNECT' || req.hasHeader('upgrade');

function followUpgrade(req: http.ClientRequest, socket: object): void {
  // Rare: finding the request's tag among the open ones costs less than a map entry per request.
  safely(clientRequestKind, () => processTracker.tagOf(req)?.follow(upgradedKind, socket, requestLine(req)));
}

function patchUpgrade(ClientRequest: typeof http.ClientRequest): void {
  // Called once per request when it is handed a socket, maybe inside the
  // request's constructor (before its tag exists): the tag follows a tick later.
  wrapMethod(ClientRequest.prototype, 'onSocket', (original) =>
    function onSocket(this: http.ClientRequest, socket: unknown) {
      const result = original.apply(this, arguments);
      if (socket && asksForUpgrade(this)) process.nextTick(followUpgrade, this, socket);
      return result;
    },
  );
}

type AgentSockets = Record<string, Array<{ destroyed: boolean }> | undefined>;
const liveSockets = (pool: AgentSockets | undefined) =>
  Object.values(pool ?? {}).reduce((n, list) => n + (list ?? []).filter((socket) => !socket.destroyed).length, 0);

/** http.globalAgent and https.globalAgent, read when asked: a program may replace them. */
const globalAgents: Array<() => http.Agent> = [];

/**
 * A custom agent is open while it keeps idle keep-alive sockets: they make
 * the server's close() wait. Busy sockets belong to their requests. An agent
 * the program installed as a global agent is exempt like the built-in one.
 */
export const agentKind: ResourceKind<http.Agent> = {
  name: 'http.Agent',
  mayReopen: true,
  isOpen: (agent) => liveSockets(agent.freeSockets as AgentSockets) > 0 && !globalAgents.some((current) => current() === agent),
  describe: (agent) => {
    if (!agent) return 'http.Agent';
    const idle = liveSockets(agent.freeSockets as AgentSockets);
    const busy = liveSockets(agent.sockets as AgentSockets);
    return `custom ${(agent as { protocol?: string }).protocol === 'https:' ? 'https' : 'http'}.Agent, never destroyed, holding ${idle} idle keep-alive socket${idle === 1 ? '' : 's'}${busy ? ` and ${busy} busy` : ''}`;
  },
};

function patchModule(httpModule: typeof http, globalAgent: () => http.Agent): void {
  for (const name of ['request', 'get'] as const) {
    wrapMethod(httpModule, name, (original) => {
      const wrapper = function (this: unknown) {
        const stack = openingStack(clientRequestKind, wrapper);
        const req: http.ClientRequest = openedInside(original, this, arguments);
        recordOpened(clientRequestKind, req, stack);
        return req;
      };
      return wrapper;
    });
  }
  if (!globalAgents.includes(globalAgent)) globalAgents.push(globalAgent);
  wrapConstructor(httpModule, 'Agent', (agent: http.Agent, construct) => record(agentKind, agent, construct));
}

function unpatchModule(httpModule: typeof http): void {
  unwrapMethods(httpModule, ['request', 'get', 'Agent']);
}

const httpGlobalAgent = () => (require('node:http') as typeof http).globalAgent;
const httpsGlobalAgent = () => (require('node:https') as typeof http).globalAgent;

export const httpDefinition: ModuleDefinition = {
  name: 'http',
  kinds: [clientRequestKind, upgradedKind, agentKind],
  files: [
    {
      file: 'node:http',
      patch(httpModule: typeof http) {
        patchModule(httpModule, httpGlobalAgent);
        patchUpgrade(httpModule.ClientRequest);
      },
      unpatch(httpModule: typeof http) {
        unpatchModule(httpModule);
        unwrapMethods(httpModule.ClientRequest.prototype, ['onSocket']);
      },
    },
    {
      file: 'node:https',
      patch: (httpsModule: typeof http) => patchModule(httpsModule, httpsGlobalAgent),
      unpatch: unpatchModule,
    },
  ],
};
