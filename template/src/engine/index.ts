// The graph engine: what a graph author imports.

export { type AppView, appViewSchema, toAppView } from '../api/app-view';
export { type ActionContext, type ActionOutput, actionsFor } from './action';
export {
  Application,
  type ApplicationOptions,
  type EngineEvent,
  type ForkOptions,
  type RunOptions,
} from './application';
export * from './errors';
export { type Graph, GraphDefinitionError, graph, type Transition } from './graph';
export { MemoryPersister } from './memory-persister';
export type { Persister, StoredApp } from './persister';
export { State } from './state';
export { noopTracker, type StepInfo, type StepTiming, type Tracker } from './tracker';
