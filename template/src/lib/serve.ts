import type { AddressInfo } from 'node:net';
import { type ServerType, serve, type WebSocketServerLike } from '@hono/node-server';
import type { Logger } from './logger';
import { type NodeFetch, withFullRefusals } from './websocket-refusals';

export interface RunningServer {
  server: ServerType;
  port: number;
  /** Stops accepting, lets in-flight requests finish up to the deadline, then cuts what is left. */
  shutdown(): Promise<void>;
}

interface ServeOptions {
  fetch: NodeFetch;
  port: number;
  hostname: string;
  shutdownTimeoutMs: number;
  logger: Logger;
  /** Takes the WebSocket upgrades the app accepts (createApp's `webSockets`); none without it. */
  webSockets?: WebSocketServerLike;
}

/** Serves the app on node:http and resolves once it listens. */
export function startServer(options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve) => {
    const { port, hostname, webSockets } = options;
    // With WebSockets, a refused upgrade also gets the app's whole answer (websocket-refusals.ts).
    const fetch = webSockets ? withFullRefusals(options.fetch) : options.fetch;
    const websocket = webSockets ? { server: webSockets } : undefined;
    const server = serve({ fetch, port, hostname, websocket }, (info) => {
      const listening = (info as AddressInfo).port;
      options.logger.info({ port: listening, host: hostname }, 'listening');
      resolve({
        server,
        port: listening,
        shutdown: () => closeGracefully(server, options.shutdownTimeoutMs),
      });
    });
  });
}

function closeGracefully(server: ServerType, deadlineMs: number): Promise<void> {
  const http = server as import('node:http').Server;
  return new Promise((resolve) => {
    // close() stops accepting and resolves when the last in-flight request has finished.
    http.close(() => resolve());
    // Keep-alive sockets with no request in flight would hold close() open: drop them now.
    http.closeIdleConnections();
    const deadline = setTimeout(() => http.closeAllConnections(), deadlineMs);
    deadline.unref();
  });
}
