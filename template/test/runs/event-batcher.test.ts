import { describe, expect, it } from 'vitest';
import { eventBatcher, type PendingEvent } from '../../src/runs/event-batcher';

// The worker stores a run's events through this: in order, many per write when they come fast,
// and a failed write is never followed by later events as if nothing was lost.

describe('eventBatcher', () => {
  it('stores events in order, joining those that come together into one write', async () => {
    const writes: string[][] = [];
    const log = eventBatcher(async (batch: PendingEvent[]) => {
      writes.push(batch.map((event) => String(event.data)));
    });
    for (let index = 0; index < 100; index++) void log.add({ event: 'delta', data: index });
    await log.add({ event: 'step', data: 'end' }, { wait: true });
    expect(writes.flat()).toEqual([...Array.from({ length: 100 }, (_, index) => String(index)), 'end']);
    expect(writes.length).toBe(1);
  });

  it('waits for the write of an event added with wait, and stores an event alone when idle', async () => {
    const writes: number[] = [];
    const log = eventBatcher(async (batch) => {
      writes.push(batch.length);
    });
    await log.add({ event: 'action', data: 1 }, { wait: true });
    expect(writes).toEqual([1]);
    await log.add({ event: 'step', data: 2 }, { wait: true });
    expect(writes).toEqual([1, 1]);
  });

  it('rejects after a failed write until cleared, so nothing is stored out of order', async () => {
    const stored: unknown[] = [];
    let fail = true;
    const log = eventBatcher(async (batch) => {
      if (fail) throw new Error('disk full');
      stored.push(...batch.map((event) => event.data));
    });
    void log.add({ event: 'delta', data: 'lost' });
    await expect(log.drained()).rejects.toThrow('disk full');
    await expect(log.add({ event: 'delta', data: 'after' })).rejects.toThrow('disk full');
    fail = false;
    log.clear();
    await log.add({ event: 'error', data: 'why' }, { wait: true });
    expect(stored).toEqual(['why']);
  });
});
