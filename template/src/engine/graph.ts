import type { z } from 'zod';
import type { AnyAction } from './action';
import { type Condition, conditionName } from './condition';
import type { StateValues } from './state';

export type { Condition } from './condition';

/** `[from, to, condition?]`: after `from`, go to `to` when the condition holds. Checked in order. */
export type Transition<S extends StateValues> = readonly [from: string, to: string, condition?: Condition<S>];

export interface GraphDefinition<
  Schema extends z.ZodObject,
  Actions = readonly AnyAction<z.infer<Schema>>[],
  Name extends string = string,
> {
  /** The graph's name: its URL (/api/v1/{name}), its key in the typed client and in the database. */
  name: Name;
  state: Schema;
  initial: z.infer<Schema>;
  actions: Actions;
  transitions: readonly Transition<z.infer<Schema>>[];
  /** Where a new app starts; the first action by default. */
  entrypoint?: string;
  /** A request stops after running one of these. */
  haltAfter?: readonly string[];
  /** A request stops before running one of these (unless it names it). */
  haltBefore?: readonly string[];
}

export interface Graph<
  Schema extends z.ZodObject = z.ZodObject,
  Actions = unknown,
  Name extends string = string,
> {
  /** Type only: the actions with their names and input types, for the typed client. */
  readonly actionTypes?: Actions;
  name: Name;
  state: Schema;
  initial: z.infer<Schema>;
  actions: ReadonlyMap<string, AnyAction<z.infer<Schema>>>;
  entrypoint: string;
  haltAfter: ReadonlySet<string>;
  haltBefore: ReadonlySet<string>;
  /** The transitions in the order they are checked, each condition by name (see condition.ts). */
  transitions: readonly TransitionInfo[];
  /** The action that may run after `position` (null: a new app), or null when none may. */
  nextAction(position: string | null, state: z.infer<Schema>): string | null;
}

/** A transition as tools see it: from, to, and what its condition is called (`default` for none). */
export interface TransitionInfo {
  from: string;
  to: string;
  condition: string;
}

export class GraphDefinitionError extends Error {
  constructor(graph: string, problems: string[]) {
    super(`Graph "${graph}" is not well formed:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'GraphDefinitionError';
  }
}

/** Builds a graph, or throws a GraphDefinitionError listing everything to fix. */
export function graph<
  Schema extends z.ZodObject,
  const Actions extends readonly AnyAction<z.infer<Schema>>[],
  const Name extends string,
>(definition: GraphDefinition<Schema, Actions, Name>): Graph<Schema, Actions, Name> {
  type S = z.infer<Schema>;
  const actions = new Map(definition.actions.map((action) => [action.name, action]));
  const entrypoint = definition.entrypoint ?? definition.actions[0]?.name ?? '';
  const haltAfter = new Set(definition.haltAfter ?? []);
  const haltBefore = new Set(definition.haltBefore ?? []);

  const problems = findProblems(definition as Shape, actions, entrypoint, haltAfter, haltBefore);
  if (problems.length > 0) throw new GraphDefinitionError(definition.name, problems);
  const initial = definition.state.parse(definition.initial) as S;

  const outgoing = new Map<string, Transition<S>[]>();
  for (const transition of definition.transitions) {
    outgoing.set(transition[0], [...(outgoing.get(transition[0]) ?? []), transition]);
  }

  return {
    name: definition.name,
    state: definition.state,
    initial,
    actions,
    entrypoint,
    haltAfter,
    haltBefore,
    transitions: definition.transitions.map(([from, to, condition]) => ({
      from,
      to,
      condition: conditionName(condition as Condition<never> | undefined),
    })),
    nextAction(position, state) {
      if (position === null) return entrypoint;
      for (const [, to, condition] of outgoing.get(position) ?? []) {
        if (condition === undefined || condition === 'default' || condition(state)) return to;
      }
      return null;
    },
  };
}

/** The parts of a definition the checks look at. */
interface Shape {
  state: z.ZodObject;
  initial: unknown;
  actions: readonly { name: string; reads: readonly string[]; writes: readonly string[] }[];
  transitions: readonly (readonly [string, string, ...unknown[]])[];
}

/** Everything wrong with a definition, each as a sentence saying what to fix; empty when none. */
function findProblems<S extends StateValues>(
  definition: Shape,
  actions: ReadonlyMap<string, AnyAction<S>>,
  entrypoint: string,
  haltAfter: ReadonlySet<string>,
  haltBefore: ReadonlySet<string>,
): string[] {
  return [
    ...actionProblems(definition),
    ...namesThatAreNotActions(definition, actions, entrypoint, haltAfter, haltBefore),
    ...deadEnds(definition, actions, haltAfter),
    ...unreachableActions(definition, actions, entrypoint),
    ...initialStateProblems(definition),
  ];
}

/** Two actions of one name, and keys an action reads or writes that the state schema lacks. */
function actionProblems(definition: Shape): string[] {
  const problems: string[] = [];
  const schemaKeys = new Set(Object.keys(definition.state.shape));
  const seen = new Set<string>();
  for (const action of definition.actions) {
    if (seen.has(action.name)) problems.push(`two actions are named "${action.name}": rename one`);
    seen.add(action.name);
    for (const key of [...action.reads, ...action.writes]) {
      if (!schemaKeys.has(key)) {
        problems.push(
          `action "${action.name}" uses key "${key}", which the state schema lacks: add it or fix the name`,
        );
      }
    }
  }
  return problems;
}

/** A graph without actions, and an entrypoint, transition or halt that names no action. */
function namesThatAreNotActions(
  definition: Shape,
  actions: ReadonlyMap<string, unknown>,
  entrypoint: string,
  haltAfter: ReadonlySet<string>,
  haltBefore: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  if (actions.size === 0) problems.push('the graph has no actions');
  if (!actions.has(entrypoint) && actions.size > 0)
    problems.push(`entrypoint "${entrypoint}" is not an action`);

  for (const [from, to] of definition.transitions) {
    for (const name of [from, to]) {
      if (!actions.has(name))
        problems.push(`transition ${from} -> ${to} names "${name}", which is not an action`);
    }
  }
  for (const [list, names] of [
    ['haltAfter', haltAfter],
    ['haltBefore', haltBefore],
  ] as const) {
    for (const name of names)
      if (!actions.has(name)) problems.push(`${list} names "${name}", which is not an action`);
  }
  return problems;
}

/** Actions a run could never leave: no transition out, and not a halt. */
function deadEnds(definition: Shape, actions: ReadonlyMap<string, unknown>, haltAfter: ReadonlySet<string>) {
  const hasWayOut = new Set(definition.transitions.map(([from]) => from));
  return [...actions.keys()]
    .filter((name) => !hasWayOut.has(name) && !haltAfter.has(name))
    .map((name) => `action "${name}" has no transition out and is not in haltAfter: add one of the two`);
}

/** Actions no chain of transitions leads to from the entrypoint. */
function unreachableActions(definition: Shape, actions: ReadonlyMap<string, unknown>, entrypoint: string) {
  const reachable = new Set([entrypoint]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [from, to] of definition.transitions) {
      if (reachable.has(from) && !reachable.has(to)) {
        reachable.add(to);
        grew = true;
      }
    }
  }
  return [...actions.keys()]
    .filter((name) => !reachable.has(name))
    .map((name) => `action "${name}" cannot be reached from "${entrypoint}": add a transition to it`);
}

/** An initial state the schema refuses. */
function initialStateProblems(definition: Shape): string[] {
  const initial = definition.state.safeParse(definition.initial);
  if (initial.success) return [];
  return [
    `initial state does not match the schema: ${initial.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  ];
}

/** The names of a graph's actions. */
export type ActionName<G> =
  G extends Graph<z.ZodObject, infer Actions>
    ? Actions extends readonly { name: infer N }[]
      ? N
      : string
    : string;

/**
 * The inputs a caller sends to an action of a graph: the schema's accepted input (z.input), so a
 * field with a `.default()` may be left out; the action itself receives the parsed output.
 */
export type ActionInput<G, N extends string> =
  G extends Graph<z.ZodObject, infer Actions>
    ? Actions extends readonly unknown[]
      ? Extract<Actions[number], { name: N }> extends { input?: z.ZodType<infer _Parsed, infer In> }
        ? In
        : Record<string, never>
      : Record<string, unknown>
    : Record<string, unknown>;

/** The state type of a graph. */
export type StateOf<G> = G extends Graph<infer Schema> ? z.infer<Schema> : never;

// biome-ignore lint/suspicious/noExplicitAny: graphs of different states live in one list.
export type AnyGraph = Graph<any, unknown, string>;
