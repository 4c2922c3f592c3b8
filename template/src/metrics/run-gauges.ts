import { count } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import type { Database } from '../db/client';
import type { RunStatus } from '../db/runs-repository';
import type { AppMetrics } from './metrics';

const statuses: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/**
 * Runs by status, read from the database when Prometheus scrapes (one grouped count), so every
 * instance reports the shared queue and nothing is counted on the run's own path. The queue depth
 * is the `queued` series, also given on its own for alerts.
 */
export function addRunGauges(metrics: AppMetrics, database: Database) {
  const registers = [metrics.registry];
  const byStatus = async () => {
    const { db, tables } = database;
    const rows = await db
      .select({ status: tables.runs.status, runs: count() })
      .from(tables.runs)
      .groupBy(tables.runs.status);
    return new Map(rows.map((row) => [row.status, Number(row.runs)]));
  };
  let latest: Promise<Map<string, number>> | null = null;
  // Both gauges collect in one scrape: they share one query instead of running it twice.
  const counts = () => {
    latest ??= byStatus().finally(() => setTimeout(() => (latest = null), 0));
    return latest;
  };
  new Gauge({
    name: 'switchyard_runs',
    help: 'Background runs by status (all instances: counted in the shared database)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const current = await counts();
      for (const status of statuses) this.set({ status }, current.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'switchyard_run_queue_depth',
    help: 'Background runs waiting for a worker',
    registers,
    async collect() {
      this.set((await counts()).get('queued') ?? 0);
    },
  });
}
