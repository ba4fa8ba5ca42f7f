/**
 * The job's dataflow graph: the plan's vertices laid out left to right by dagre, drawn as SVG, with each
 * vertex's live figures. The layout is computed once per plan; the figures change on every refresh.
 */
import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { JobPlan, JobVertex } from '../api';
import { NONE, bytes, count, percent } from '../format';

export interface VertexLive {
  /** Max over subtasks of busyTimeMsPerSecond / 1000, when metrics are there. */
  busy?: number;
  backPressured?: number;
  /** The lowest input watermark over subtasks (ms), when the vertex has inputs and one arrived. */
  watermark?: number;
}

const NODE_W = 250;
const NODE_H = 136;

interface Laid {
  width: number;
  height: number;
  nodes: Array<{ id: string; x: number; y: number }>;
  edges: Array<{ from: string; to: string; points: Array<{ x: number; y: number }>; label: string }>;
}

function layout(plan: JobPlan['plan']): Laid {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of plan.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  const known = new Set(plan.nodes.map((n) => n.id));
  for (const n of plan.nodes) {
    for (const input of n.inputs ?? []) {
      if (known.has(input.id)) g.setEdge(input.id, n.id, { label: input.ship_strategy, width: 70, height: 18, labelpos: 'c' }, `${input.id}-${n.id}-${input.num}`);
    }
  }
  dagre.layout(g);
  const graph = g.graph();
  return {
    width: graph.width ?? NODE_W,
    height: graph.height ?? NODE_H,
    nodes: g.nodes().map((id) => {
      const n = g.node(id) as { x: number; y: number };
      return { id, x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 };
    }),
    edges: g.edges().map((e) => {
      const label = g.edge(e) as { points?: Array<{ x: number; y: number }>; label?: string };
      return { from: e.v, to: e.w, points: label.points ?? [], label: label.label ?? '' };
    }),
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function watermarkText(ms: number | undefined): string {
  if (ms === undefined) return NONE;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().replace('T', ' ').replace('Z', '');
}

export function JobGraph(props: {
  plan: JobPlan['plan'];
  vertices: JobVertex[];
  live: Record<string, VertexLive>;
  selected: string | undefined;
  onSelect: (id: string) => void;
}) {
  const laid = useMemo(() => layout(props.plan), [props.plan]);
  const byId = new Map(props.vertices.map((v) => [v.id, v]));
  const descriptions = new Map(props.plan.nodes.map((n) => [n.id, n.description]));
  return (
    <div class="graph-wrap">
      <svg class="graph" width={laid.width} height={laid.height} viewBox={`0 0 ${laid.width} ${laid.height}`} data-test="job-graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#7a8797" />
          </marker>
        </defs>
        {laid.edges.map((e) => {
          const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
          const mid = e.points[Math.floor(e.points.length / 2)];
          return (
            <g key={`${e.from}-${e.to}`} class="edge">
              <path d={d} marker-end="url(#arrow)" />
              {mid && (
                <text x={mid.x} y={mid.y - 6} text-anchor="middle">
                  {e.label}
                </text>
              )}
            </g>
          );
        })}
        {laid.nodes.map((n) => {
          const v = byId.get(n.id);
          const live = props.live[n.id] ?? {};
          const name = v?.name ?? descriptions.get(n.id) ?? n.id;
          const status = v?.status ?? 'CREATED';
          const m = v?.metrics;
          const lines: Array<[string, string, string]> = [
            ['Records in', count(m?.['read-records']), 'records-in'],
            ['Records out', count(m?.['write-records']), 'records-out'],
            ['Bytes in / out', `${bytes(m?.['read-bytes'])} / ${bytes(m?.['write-bytes'])}`, 'bytes'],
            ['Busy / back pressured', `${percent(live.busy)} / ${percent(live.backPressured)}`, 'busy'],
          ];
          if (live.watermark !== undefined) lines.push(['Low watermark', watermarkText(live.watermark), 'watermark']);
          return (
            <g
              key={n.id}
              class={`node${props.selected === n.id ? ' selected' : ''}`}
              transform={`translate(${n.x.toFixed(1)},${n.y.toFixed(1)})`}
              data-vertex={n.id}
              onClick={() => props.onSelect(n.id)}
            >
              <title>{name}</title>
              <rect width={NODE_W} height={NODE_H} rx="6" class={`node-box state-${status.toLowerCase()}`} />
              <rect width="6" height={NODE_H} rx="3" class={`node-stripe state-${status.toLowerCase()}`} />
              <text x="16" y="22" class="node-name">
                {clip(name, 30)}
              </text>
              <text x="16" y="40" class="node-sub">
                Parallelism {v?.parallelism ?? props.plan.nodes.find((p) => p.id === n.id)?.parallelism ?? NONE} · <tspan data-test="vertex-status">{status}</tspan>
              </text>
              {lines.map(([label, value, test], i) => (
                <g key={test}>
                  <text x="16" y={62 + i * 18} class="node-label">
                    {label}
                  </text>
                  <text x={NODE_W - 12} y={62 + i * 18} class="node-value" text-anchor="end" data-test={test}>
                    {value}
                  </text>
                </g>
              ))}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
