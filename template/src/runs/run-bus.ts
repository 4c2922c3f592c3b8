import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/**
 * Tells whoever follows a run that something happened to it: `event` (new rows in run_events, read
 * them from the database) or `cancel` (the worker running it should abort). The database is the
 * source of truth; the bus only wakes readers up. In memory for one process; through Redis pub/sub
 * when several instances share the work (REDIS_URL).
 */
export type RunSignal = 'event' | 'cancel';

export interface RunBus {
  publish(runId: string, signal: RunSignal): Promise<void>;
  /** Calls `listener` for each signal of the run; returns the function that stops it. */
  subscribe(runId: string, listener: (signal: RunSignal) => void): Promise<() => void>;
  close(): Promise<void>;
}

export function memoryRunBus(): RunBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(runId, signal) {
      emitter.emit(runId, signal);
    },
    async subscribe(runId, listener) {
      emitter.on(runId, listener);
      return () => emitter.off(runId, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

const channel = (runId: string) => `switchyard:run:${runId}`;

/** A bus over Redis pub/sub: one subscriber connection per process, shared by every follower. */
export function redisRunBus(redis: Redis): RunBus {
  const subscriber = redis.duplicate();
  const local = memoryRunBus();
  const counts = new Map<string, number>();
  subscriber.on('message', (name: string, message: string) => {
    void local.publish(name, message as RunSignal);
  });
  return {
    async publish(runId, signal) {
      await redis.publish(channel(runId), signal);
    },
    async subscribe(runId, listener) {
      const name = channel(runId);
      const stop = await local.subscribe(name, listener);
      const count = (counts.get(name) ?? 0) + 1;
      counts.set(name, count);
      if (count === 1) await subscriber.subscribe(name);
      return () => {
        stop();
        const left = (counts.get(name) ?? 1) - 1;
        if (left > 0) counts.set(name, left);
        else {
          counts.delete(name);
          void subscriber.unsubscribe(name).catch(() => {});
        }
      };
    },
    async close() {
      await local.close();
      subscriber.disconnect();
    },
  };
}
