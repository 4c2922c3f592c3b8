import type { Hono } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import type { WebSocket } from 'ws';
import { needs } from '../../auth/policy';
import { requiresRun } from '../../auth/requires';
import type { AppEnv } from '../../lib/env';
import { errorResponses } from '../../lib/openapi';
import { followRun } from '../../runs/follow-run';
import { keepStreamSlot, openStream } from '../middleware/stream-slots';
import { EventIdQuery, RunIdParams, resumeAfter } from '../schemas';
import { followOptions } from './handlers';

const description =
  'Upgrade to a WebSocket that sends each event as JSON `{ event, id, data }`, replayed from the start (or after `?after=id`), then closes after done or error. The token goes in `Authorization: Bearer`, or, from a browser (which cannot set headers on a WebSocket), as the subprotocols `bearer, <token>`: `new WebSocket(url, ["bearer", token])`; the server then answers with the subprotocol `bearer`.';

/** The OpenAPI entry of the WebSocket route (an upgrade is no createRoute operation). */
export const webSocketPath = {
  method: 'get' as const,
  path: '/runs/{run_id}/ws', // the router is mounted at /api/v1, which prefixes its documented paths
  operationId: 'run_events_ws',
  tags: ['runs'],
  security: [{ bearerAuth: [] }],
  summary: 'Events of a run (WebSocket)',
  description,
  request: { params: RunIdParams, query: EventIdQuery },
  responses: { 101: { description: 'Switching to WebSocket' }, ...errorResponses(401, 404, 422, 429) },
};

/**
 * More than this many bytes waiting for a client's socket and the follower stops reading events
 * until they have gone out: a client that does not read costs this much, not the run's whole log.
 */
const WS_HIGH_WATER_BYTES = 64 * 1024;

/** Sends one message, waiting for the socket to take what is queued when too much is. */
async function sendPaced(ws: WSContext, message: string) {
  const socket = ws.raw as WebSocket | undefined;
  if (!socket) return ws.send(message);
  const written = new Promise<void>((resolve) => socket.send(message, () => resolve()));
  if (socket.bufferedAmount > WS_HIGH_WATER_BYTES) await written;
}

/** GET /runs/{run_id}/ws: a run's events as WebSocket messages. Access is checked before the upgrade. */
export function addRunWebSocket(router: Hono<AppEnv>, upgradeWebSocket: UpgradeWebSocket) {
  router.get(
    '/runs/:run_id/ws',
    requiresRun(needs.read),
    async (c, next) => {
      resumeAfter(c.req.query('after'), 'after');
      await next();
    },
    openStream(),
    upgradeWebSocket((c) => {
      const runId = c.req.param('run_id') ?? '';
      const after = resumeAfter(c.req.query('after'), 'after');
      const follow = followOptions(c.var.services);
      const closed = new AbortController();
      // Only a real upgrade keeps the open-stream slot (given back on close); a plain GET is
      // answered 404 by the router and gives it back at once.
      const upgrading = c.req.header('upgrade')?.toLowerCase() === 'websocket';
      const releaseSlot = upgrading ? keepStreamSlot(c) : () => {};
      let streamClosed: (() => void) | undefined;
      return {
        onOpen: (_event, ws) => {
          streamClosed = c.var.services.streamOpened?.('websocket');
          void (async () => {
            for await (const event of followRun(follow, runId, after, closed.signal)) {
              await sendPaced(ws, JSON.stringify({ event: event.event, id: event.id, data: event.data }));
            }
            ws.close(1000, 'run finished');
          })().catch(() => ws.close(1011, 'error'));
        },
        onClose: () => {
          closed.abort();
          releaseSlot();
          streamClosed?.();
        },
      };
    }),
  );
}
