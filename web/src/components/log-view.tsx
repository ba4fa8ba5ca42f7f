/**
 * A log or .out file of a daemon (`/taskmanagers/:id/stdout`, `/jobmanager/log`, ...), following new lines live.
 *
 * After the first full read it asks only for what is new with `Range: bytes=<n-1>-`: one byte it already has
 * plus whatever was appended. Overlapping by a byte means a file that did not grow still answers 206 (never a 416
 * for asking past the end), and checking that byte catches a file that was replaced. A server that ignores
 * ranges answers 200 with the whole text, which simply replaces what is shown.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { isUnavailable, markUnavailable } from '../api';
import { useRefreshInterval } from '../hooks';
import { Empty } from './common';

/** What the page keeps at most; older lines are dropped (the file itself is untouched). */
const MAX_CHARS = 2_000_000;

interface Shown {
  text: string;
  /** False while the first read is under way. */
  loaded: boolean;
  missing: boolean;
  error?: string;
}

export function LogView({ path, kind, name }: { path: string; kind: string; name: string }) {
  // A ref, so that learning the configured interval does not restart the reading from byte 0.
  const interval = useRef(3000);
  interval.current = Math.min(useRefreshInterval(), 2000);
  const [shown, setShown] = useState<Shown>({ text: '', loaded: false, missing: isUnavailable(kind) });
  const [follow, setFollow] = useState(true);
  const pre = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    if (isUnavailable(kind)) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let offset = 0;
    let lastByte = -1;
    let decoder = new TextDecoder();
    let text = '';

    const replace = (buf: Uint8Array): void => {
      decoder = new TextDecoder();
      text = decoder.decode(buf, { stream: true });
      offset = buf.length;
      lastByte = buf.length > 0 ? (buf[buf.length - 1] as number) : -1;
    };
    const append = (buf: Uint8Array): void => {
      text += decoder.decode(buf, { stream: true });
      offset += buf.length;
      if (buf.length > 0) lastByte = buf[buf.length - 1] as number;
    };
    const trim = (): void => {
      if (text.length <= MAX_CHARS) return;
      const cut = text.indexOf('\n', text.length - MAX_CHARS / 2);
      text = text.slice(cut < 0 ? text.length - MAX_CHARS / 2 : cut + 1);
    };

    const read = async (): Promise<void> => {
      const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset - 1}-` } : {};
      const res = await fetch(path, { headers });
      if (res.status === 404 && offset === 0) {
        // No such file (a daemon started in the foreground logs to its console): the server says why.
        let reason: string | undefined;
        try {
          const body = (await res.json()) as { errors?: unknown };
          if (Array.isArray(body.errors)) reason = body.errors.map(String).join(' ');
        } catch {
          // no JSON body: an older server without this endpoint
        }
        if (reason === undefined) markUnavailable(kind);
        setShown({ text: '', loaded: true, missing: true, ...(reason !== undefined ? { error: reason } : {}) });
        stopped = true;
        return;
      }
      if (res.status === 416) {
        // The file shrank (rotated): start over.
        offset = 0;
        return;
      }
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      const buf = new Uint8Array(await res.arrayBuffer());
      const range = /^bytes (\d+)-/.exec(res.headers.get('Content-Range') ?? '');
      if (res.status === 206 && range && Number(range[1]) === offset - 1 && buf[0] === lastByte) {
        append(buf.subarray(1));
      } else if (res.status === 206) {
        offset = 0; // not the bytes asked for: read it all next time
        return;
      } else {
        replace(buf);
      }
      trim();
      setShown({ text, loaded: true, missing: false });
    };

    const tick = async (): Promise<void> => {
      try {
        await read();
      } catch (err) {
        if (!stopped) setShown((s) => ({ ...s, loaded: true, error: err instanceof Error ? err.message : String(err) }));
      }
      if (!stopped) timer = setTimeout(() => void tick(), interval.current);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [path, kind]);

  // Keep the newest line in view while following and the reader was at the bottom.
  useLayoutEffect(() => {
    const el = pre.current;
    if (el && follow && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [shown.text, follow]);

  if (shown.missing) {
    return (
      <Empty>
        The {name} is not available{shown.error !== undefined ? `: ${shown.error}` : ' from this cluster.'}
      </Empty>
    );
  }
  return (
    <div class="log-view">
      <div class="log-toolbar">
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow new lines
        </label>
        <a href={path} target="_blank" rel="noreferrer">
          Open raw
        </a>
        {shown.error !== undefined && <span class="error-note">Could not refresh: {shown.error}</span>}
      </div>
      <pre
        ref={pre}
        class="log"
        data-test="log"
        data-loaded={shown.loaded ? 'true' : 'false'}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.loaded ? (shown.text === '' ? `(the ${name} is empty)` : shown.text) : 'Loading…'}
      </pre>
    </div>
  );
}
