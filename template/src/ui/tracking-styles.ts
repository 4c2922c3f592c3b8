/** The CSS of the apps list and the step viewer (inline <style> is allowed by the pages' CSP). */
export const trackingStyles = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem 1.5rem; max-width: 1100px; color: #1d232a; }
  nav a { margin-right: 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e3e7eb; }
  th { background: #f3f5f7; font-weight: 600; }
  code, .json { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-word; }
  .failed { background: #fef2f2; }
  .error { color: #b91c1c; }
  .muted { color: #64748b; }
  .diff .key { font-weight: 600; }
  .diff .before { color: #9f1239; text-decoration: line-through; }
  .diff .after { color: #166534; }
  .diff .append::before { content: '+ '; color: #166534; }
  #layout figure { margin: 0 0 1rem; }
  #diagram { max-width: 100%; height: auto; }
  #steps td:nth-child(5) { min-width: 14rem; max-width: 22rem; }
  #steps td:nth-child(6) { min-width: 20rem; }
  #diagram .node rect { fill: #f8fafc; stroke: #64748b; stroke-width: 1.2; }
  #diagram .node text { font: 13px ui-monospace, monospace; text-anchor: middle; }
  #diagram .node.position rect { fill: #dbeafe; stroke: #1d4ed8; stroke-width: 2.5; }
  #diagram .node.next rect { stroke: #16a34a; stroke-width: 2.5; stroke-dasharray: 5 3; }
  #diagram .node.running rect { fill: #ffedd5; stroke: #ea580c; stroke-width: 2.5; }
  #running td { background: #fff7ed; }
  #diagram .halt { stroke: #b91c1c; stroke-width: 4; }
  #diagram .edge path { fill: none; stroke: #94a3b8; stroke-width: 1.2; }
  #diagram .edge text { font: 11px ui-monospace, monospace; text-anchor: middle; fill: #475569; }
  #diagram .edge text.default { font-style: italic; fill: #94a3b8; }
  #diagram marker path { fill: #94a3b8; }
  .legend span { margin-right: 1rem; }
  tr:target { outline: 2px solid #f59e0b; }
  details pre { max-height: 320px; overflow: auto; background: #f8fafc; padding: .5rem; }
  #live[data-on="true"]::before { content: '● '; color: #16a34a; }
`;
