import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Logger } from './logger';

export interface RunningServer {
  server: ServerType;
  port: number;
  /** Stops accepting, lets in-flight requests finish up to the deadline, then cuts what is left. */
  shutdown(): Promise<void>;
}

interface ServeOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname: string;
  shutdownTimeoutMs: number;
  logger: Logger;
  /** Lets extra servers (WebSocket upgrade) hook in before requests arrive. */
  onListening?: (server: ServerType) => void;
}

/** Serves the app on node:http and resolves once it listens. */
export function startServer(options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: options.fetch, port: options.port, hostname: options.hostname }, (info) => {
      const port = (info as AddressInfo).port;
      options.logger.info({ port, host: options.hostname }, 'listening');
      resolve({ server, port, shutdown: () => closeGracefully(server, options.shutdownTimeoutMs) });
    });
    options.onListening?.(server);
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
