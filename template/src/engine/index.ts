// The graph engine: what a graph author imports. It knows nothing of HTTP or of a database.
export { type ActionContext, type ActionOutput, actionsFor } from './action';
export { type Condition, conditionName, when } from './condition';
export * from './errors';
export {
  type AnyGraph,
  type Graph,
  GraphDefinitionError,
  graph,
  type Transition,
  type TransitionInfo,
} from './graph';
export { MemoryPersister } from './memory-persister';
export type { Persister, StoredApp } from './persister';
export {
  type AnyRunner,
  type AppAt,
  type ForkOptions,
  GraphRunner,
  type RunEvent,
  type RunnerOptions,
  type RunOptions,
  type StepEvent,
} from './runner';
export { State } from './state';
export { noopTracker, type StepInfo, type StepTiming, type Tracker } from './tracker';
