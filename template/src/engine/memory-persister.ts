import {
  type AppKey,
  afterSequence,
  type CommittedStep,
  type FailedStep,
  isAfter,
  type NewApp,
  type Persister,
  SequenceConflictError,
  type StepPageRequest,
  type StepRecord,
  type StoredApp,
} from './persister';
import { applyWrites } from './writes';

type MemoryStep = Omit<StepRecord, 'state'>;

interface MemoryApp {
  app: StoredApp;
  /** State and position at sequence 0, the base every older state is rebuilt from. */
  origin: { state: Record<string, unknown>; position: string | null };
  steps: MemoryStep[];
}

/** A Persister in process memory, for tests and examples; nothing survives a restart. */
export class MemoryPersister implements Persister {
  readonly #apps = new Map<string, MemoryApp>();

  async createApp(app: NewApp) {
    const existing = this.#apps.get(keyOf(app));
    if (existing) return { app: existing.app, created: false };
    const now = new Date();
    const stored: StoredApp = { ...app, sequenceId: 0, createdAt: now, updatedAt: now };
    this.#apps.set(keyOf(app), {
      app: stored,
      origin: { state: app.state, position: app.position },
      steps: [],
    });
    return { app: stored, created: true };
  }

  async loadApp(key: AppKey) {
    return this.#apps.get(keyOf(key))?.app ?? null;
  }

  async commitStep(
    key: AppKey,
    expectedSequenceId: number,
    step: CommittedStep,
    next: { state: Record<string, unknown>; position: string },
  ) {
    const entry = this.#apps.get(keyOf(key));
    if (!entry || entry.app.sequenceId !== expectedSequenceId)
      throw new SequenceConflictError(key, expectedSequenceId);
    const sequenceId = expectedSequenceId + 1;
    const row = entry.steps.length + 1;
    entry.steps.push({
      ...step,
      row,
      sequenceId,
      status: 'committed',
      error: null,
      durationMs: duration(step),
    });
    entry.app = { ...entry.app, ...next, sequenceId, updatedAt: step.endedAt };
    return entry.app;
  }

  async recordFailedStep(key: AppKey, step: FailedStep) {
    const entry = this.#apps.get(keyOf(key));
    if (!entry) return;
    const row = entry.steps.length + 1;
    entry.steps.push({
      ...step,
      row,
      result: null,
      writes: [],
      status: 'failed',
      durationMs: duration(step),
    });
  }

  async stateAt(key: AppKey, sequenceId: number) {
    const entry = this.#apps.get(keyOf(key));
    if (!entry || sequenceId < 0 || sequenceId > entry.app.sequenceId) return null;
    let { state, position } = entry.origin;
    for (const step of entry.steps) {
      if (step.status !== 'committed' || step.sequenceId > sequenceId) continue;
      state = applyWrites(state, step.writes);
      position = step.action;
    }
    return { state, position };
  }

  async listSteps(key: AppKey, page: StepPageRequest) {
    const entry = this.#apps.get(keyOf(key));
    if (!entry) return [];
    const after = afterSequence(page.after);
    // The log order of the database: by sequence id, then by the order the rows were written.
    const ordered = [...entry.steps].sort((a, b) => a.sequenceId - b.sequenceId || a.row - b.row);
    let state = entry.origin.state;
    const records: StepRecord[] = [];
    for (const step of ordered) {
      if (step.status === 'committed') state = applyWrites(state, step.writes);
      if (!isAfter(step, after)) continue;
      if (records.length === page.limit) break;
      const withState = page.withState ?? true;
      records.push(withState ? { ...step, state: step.status === 'committed' ? state : null } : { ...step });
    }
    return records;
  }
}

const keyOf = (key: AppKey) => `${key.graph}\u0000${key.appId}`;
const duration = (step: { startedAt: Date; endedAt: Date }) =>
  step.endedAt.getTime() - step.startedAt.getTime();
