/** Small pieces every page uses: state badges, tabs, empty and error states, key/value tables. */
import type { ComponentChildren } from 'preact';

export function StateBadge({ state }: { state: string }) {
  return (
    <span class={`badge state-${state.toLowerCase()}`} data-state={state}>
      {state}
    </span>
  );
}

export interface Tab {
  id: string;
  label: string;
  hidden?: boolean;
}

/** Tabs as links, so each tab has its own address (`#/jobs/<id>/checkpoints`). */
export function Tabs({ base, tabs, current }: { base: string; tabs: Tab[]; current: string }) {
  return (
    <nav class="tabs">
      {tabs
        .filter((t) => !t.hidden)
        .map((t) => (
          <a key={t.id} href={`#${base}/${t.id}`} class={t.id === current ? 'active' : ''} data-tab={t.id}>
            {t.label}
          </a>
        ))}
    </nav>
  );
}

export function Loading() {
  return <p class="muted loading">Loading…</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A failure to reach the cluster, kept short; the page keeps showing what it had. */
export function ErrorNote({ error }: { error: string | undefined }) {
  if (error === undefined) return null;
  return <p class="error-note">Could not refresh: {error}</p>;
}

export function KeyValues({ rows, testId }: { rows: Array<[string, ComponentChildren]>; testId?: string }) {
  return (
    <table class="kv" data-test={testId}>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Card({ label, value, testId }: { label: string; value: ComponentChildren; testId?: string }) {
  return (
    <div class="card">
      <div class="card-value" data-test={testId}>
        {value}
      </div>
      <div class="card-label">{label}</div>
    </div>
  );
}
