import type { GraphLayout, LaidOutEdge, LaidOutNode } from './graph-layout';

// The step viewer's drawing of a graph, as SVG markup: one <g data-action> per action (the browser
// script marks the current position and `next` with classes), one path per transition with its
// condition written on it, halt points drawn with a thick bar (after: below the node, before: above).

const path = (points: { x: number; y: number }[]) =>
  points
    .map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`)
    .join(' ');

/** The whole drawing: the arrowhead, then the transitions, then the actions over them. */
export function GraphDiagram({ layout }: { layout: GraphLayout }) {
  return (
    <svg
      id="diagram"
      role="img"
      aria-label="The graph: actions and transitions"
      viewBox={`0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`}
      width={Math.ceil(layout.width)}
      height={Math.ceil(layout.height)}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" />
        </marker>
      </defs>
      {layout.edges.map((edge) => (
        <Transition edge={edge} />
      ))}
      {layout.nodes.map((node) => (
        <Action node={node} />
      ))}
    </svg>
  );
}

/** One transition: its path, ending in the arrowhead, and its condition written on it. */
function Transition({ edge }: { edge: LaidOutEdge }) {
  return (
    <g class="edge" data-from={edge.from} data-to={edge.to}>
      <path d={path(edge.points)} marker-end="url(#arrow)" />
      <text x={edge.label.x} y={edge.label.y + 4} class={edge.condition === 'default' ? 'default' : ''}>
        {edge.condition}
      </text>
    </g>
  );
}

/** One action: a box with its name (and what it is, on hover), with a bar where the graph halts. */
function Action({ node }: { node: LaidOutNode }) {
  return (
    <g
      class={`node${node.haltAfter ? ' halt-after' : ''}${node.haltBefore ? ' halt-before' : ''}`}
      data-action={node.name}
    >
      <title>
        {node.name}
        {node.entrypoint ? ' (entrypoint)' : ''}
        {node.haltAfter ? ' (halts after)' : ''}
        {node.haltBefore ? ' (halts before)' : ''}
      </title>
      <rect
        x={node.x - node.width / 2}
        y={node.y - node.height / 2}
        width={node.width}
        height={node.height}
        rx="6"
      />
      <text x={node.x} y={node.y + 5}>
        {node.name}
      </text>
      {node.haltAfter ? <HaltBar x={node.x} y={node.y + node.height / 2 + 4} /> : null}
      {node.haltBefore ? <HaltBar x={node.x} y={node.y - node.height / 2 - 4} /> : null}
    </g>
  );
}

/** The thick bar of a halt point, centred at (x, y): below a node for after, above it for before. */
function HaltBar({ x, y }: { x: number; y: number }) {
  return <line class="halt" x1={x - 14} x2={x + 14} y1={y} y2={y} />;
}
