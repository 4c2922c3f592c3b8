import type { GraphLayout } from './graph-layout';

// The step viewer's drawing of a graph, as SVG markup: one <g data-action> per action (the browser
// script marks the current position and `next` with classes), one path per transition with its
// condition written on it, halt points drawn with a thick bar (after: below the node, before: above).

const path = (points: { x: number; y: number }[]) =>
  points
    .map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`)
    .join(' ');

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
        <g class="edge" data-from={edge.from} data-to={edge.to}>
          <path d={path(edge.points)} marker-end="url(#arrow)" />
          <text x={edge.label.x} y={edge.label.y + 4} class={edge.condition === 'default' ? 'default' : ''}>
            {edge.condition}
          </text>
        </g>
      ))}
      {layout.nodes.map((node) => (
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
          {node.haltAfter ? (
            <line
              class="halt"
              x1={node.x - 14}
              x2={node.x + 14}
              y1={node.y + node.height / 2 + 4}
              y2={node.y + node.height / 2 + 4}
            />
          ) : null}
          {node.haltBefore ? (
            <line
              class="halt"
              x1={node.x - 14}
              x2={node.x + 14}
              y1={node.y - node.height / 2 - 4}
              y2={node.y - node.height / 2 - 4}
            />
          ) : null}
        </g>
      ))}
    </svg>
  );
}
