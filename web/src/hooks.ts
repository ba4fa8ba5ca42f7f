/** Polling, the dashboard configuration and the hash route, as Preact hooks. */
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { describeError, type DashboardConfig } from './api';

export const ConfigContext = createContext<DashboardConfig | undefined>(undefined);

/** `refresh-interval` of `GET /config` (Flink's default 3 s until it is known). */
export function useRefreshInterval(): number {
  const config = useContext(ConfigContext);
  const ms = config?.['refresh-interval'];
  return typeof ms === 'number' && ms >= 500 ? ms : 3000;
}

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** True until the first answer (or failure). */
  loading: boolean;
  /** Asks again at once (after an action such as cancel). */
  refresh: () => void;
}

/**
 * Calls `load` now and then every refresh interval while the component is shown, one call at a time; `deps`
 * restart it. Failures become `error` (never an unhandled rejection); the last good data stays on screen.
 */
export function usePoll<T>(load: () => Promise<T>, deps: readonly unknown[], opts: { enabled?: boolean; intervalMs?: number } = {}): Polled<T> {
  const refreshInterval = useRefreshInterval();
  const interval = opts.intervalMs ?? refreshInterval;
  const enabled = opts.enabled ?? true;
  const [state, setState] = useState<{ data: T | undefined; error: string | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const kick = useRef<() => void>(() => undefined);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true });
    if (!enabled) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const tick = async (): Promise<void> => {
      if (stopped || running) return;
      running = true;
      if (timer !== undefined) clearTimeout(timer);
      try {
        const data = await loadRef.current();
        if (!stopped) setState({ data, error: undefined, loading: false });
      } catch (err) {
        if (!stopped) setState((s) => ({ data: s.data, error: describeError(err), loading: false }));
      } finally {
        running = false;
        if (!stopped) timer = setTimeout(() => void tick(), interval);
      }
    };
    kick.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      kick.current = () => undefined;
    };
  }, [...deps, interval, enabled]);

  return { ...state, refresh: () => kick.current() };
}

/** The route: the URL's hash without `#`, split at `/` (`#/jobs/abc/checkpoints` → ['jobs', 'abc', 'checkpoints']). */
export function useRoute(): string[] {
  const read = (): string[] => window.location.hash.replace(/^#\/?/, '').split('/').filter((s) => s !== '').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = (): void => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function go(path: string): void {
  window.location.hash = `#${path}`;
}
