import dagre from '@dagrejs/dagre';
import type { GraphStructure } from '../api/graph/structure';

// Where the step viewer draws each action and transition. dagre (@dagrejs/dagre) lays the graph out
// in ranks, the way state machines read (entry at the top, flow downwards), with edge labels placed
// clear of the nodes. It runs on the server, once per graph: the layout depends only on the graph's
// code, so the browser gets finished SVG and ships no layout library.

export interface LaidOutNode {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  haltAfter: boolean;
  haltBefore: boolean;
  entrypoint: boolean;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  condition: string;
  points: { x: number; y: number }[];
  label: { x: number; y: number };
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

/** Text widths are estimated (no fonts on the server); the SVG uses a monospace font to match. */
const CHAR_WIDTH = 7.8;
const LABEL_CHAR_WIDTH = 6.6;
const MARGIN = 16;

/** Lays `structure` out top to bottom; coordinates are the centres of nodes and labels. */
export function layoutGraph(structure: GraphStructure): GraphLayout {
  const layout = new dagre.graphlib.Graph({ multigraph: true });
  layout.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 56, edgesep: 12, marginx: MARGIN, marginy: MARGIN });
  for (const action of structure.actions) {
    layout.setNode(action.name, { width: action.name.length * CHAR_WIDTH + 28, height: 34 });
  }
  structure.transitions.forEach((transition, index) => {
    const label = { width: transition.condition.length * LABEL_CHAR_WIDTH + 8, height: 16, labelpos: 'c' };
    layout.setEdge(transition.from, transition.to, label, String(index));
  });
  dagre.layout(layout);

  const halts = { after: new Set(structure.halt_after), before: new Set(structure.halt_before) };
  const nodes = structure.actions.map((action): LaidOutNode => {
    const node = layout.node(action.name);
    return {
      name: action.name,
      x: node.x,
      y: node.y,
      width: node.width,
      height: node.height,
      haltAfter: halts.after.has(action.name),
      haltBefore: halts.before.has(action.name),
      entrypoint: action.name === structure.entrypoint,
    };
  });
  const edges = structure.transitions.map((transition, index): LaidOutEdge => {
    const edge = layout.edge({ v: transition.from, w: transition.to, name: String(index) });
    return {
      ...transition,
      points: edge.points ?? [],
      label: { x: edge.x ?? 0, y: edge.y ?? 0 },
    };
  });
  const { width = 0, height = 0 } = layout.graph();
  return { width, height, nodes, edges };
}
