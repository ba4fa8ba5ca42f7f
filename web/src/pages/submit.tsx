/**
 * Submitting a program through the web-submission API: `POST /jars/upload` (field `jarfile`), `GET /jars`,
 * `POST /jars/:jarid/run`, `DELETE /jars/:jarid`. Hidden when `web.submit.enable` is false.
 */
import { useState } from 'preact/hooks';
import { describeError, getJson, send, type JarFile } from '../api';
import { Empty, ErrorNote, Loading } from '../components/common';
import { time } from '../format';
import { go, usePoll } from '../hooks';

export function SubmitPage({ enabled }: { enabled: boolean }) {
  const jars = usePoll(async () => (await getJson<{ files: JarFile[] }>('/jars')).files, [], { enabled });
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | undefined>(undefined);
  if (!enabled) {
    return (
      <section>
        <h1>Submit a job</h1>
        <Empty>Submitting from the dashboard is turned off on this cluster (web.submit.enable: false).</Empty>
      </section>
    );
  }

  const upload = async (form: HTMLFormElement): Promise<void> => {
    const input = form.elements.namedItem('jarfile') as HTMLInputElement;
    const file = input.files?.[0];
    if (file === undefined) {
      setUploadError('Choose a program file first (.js, .mjs, .ts, ...).');
      return;
    }
    setUploading(true);
    const body = new FormData();
    body.append('jarfile', file, file.name);
    try {
      await send('POST', '/jars/upload', body);
      setUploadError(undefined);
      form.reset();
    } catch (err) {
      setUploadError(describeError(err));
    }
    setUploading(false);
    jars.refresh();
  };

  return (
    <section>
      <h1>Submit a job</h1>
      <form
        class="upload"
        data-test="upload-form"
        onSubmit={(e) => {
          e.preventDefault();
          void upload(e.currentTarget);
        }}
      >
        <label>
          Program bundle <input type="file" name="jarfile" accept=".js,.mjs,.cjs,.ts,.mts,.cts" data-test="jarfile" />
        </label>
        <button type="submit" disabled={uploading} data-test="upload">
          {uploading ? 'Uploading…' : 'Upload'}
        </button>
        {uploadError !== undefined && <span class="error-note">{uploadError}</span>}
      </form>
      <h2>Uploaded programs</h2>
      <ErrorNote error={jars.error} />
      {jars.data === undefined ? (
        <Loading />
      ) : jars.data.length === 0 ? (
        <Empty>No program uploaded yet.</Empty>
      ) : (
        <div data-test="jars">
          {jars.data.map((j) => (
            <JarRow key={j.id} jar={j} onDeleted={jars.refresh} />
          ))}
        </div>
      )}
    </section>
  );
}

function JarRow({ jar, onDeleted }: { jar: JarFile; onDeleted: () => void }) {
  const [args, setArgs] = useState('');
  const [parallelism, setParallelism] = useState('');
  const [savepointPath, setSavepointPath] = useState('');
  const [allowNonRestored, setAllowNonRestored] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const run = async (): Promise<void> => {
    setBusy(true);
    const body: Record<string, unknown> = { programArgs: args };
    if (parallelism.trim() !== '') body['parallelism'] = Number(parallelism);
    if (savepointPath.trim() !== '') {
      body['savepointPath'] = savepointPath.trim();
      body['allowNonRestoredState'] = allowNonRestored;
    }
    try {
      const res = await send<{ jobid: string }>('POST', `/jars/${encodeURIComponent(jar.id)}/run`, JSON.stringify(body), 'application/json');
      setBusy(false);
      if (res?.jobid) go(`/jobs/${res.jobid}`);
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  const remove = async (): Promise<void> => {
    try {
      await send('DELETE', `/jars/${encodeURIComponent(jar.id)}`);
    } catch (err) {
      setError(describeError(err));
    }
    onDeleted();
  };

  return (
    <form
      class="jar"
      data-jar={jar.name}
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <div class="jar-head">
        <strong>{jar.name}</strong> <span class="muted small">uploaded {time(jar.uploaded)}</span>
      </div>
      <div class="jar-fields">
        <label>
          Program arguments <input name="programArgs" value={args} placeholder="--input /data/in.txt" onInput={(e) => setArgs((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Parallelism <input name="parallelism" type="number" min="1" value={parallelism} placeholder="default" onInput={(e) => setParallelism((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Savepoint path <input name="savepointPath" value={savepointPath} placeholder="none" onInput={(e) => setSavepointPath((e.target as HTMLInputElement).value)} />
        </label>
        <label class="check">
          <input name="allowNonRestoredState" type="checkbox" checked={allowNonRestored} onChange={(e) => setAllowNonRestored((e.target as HTMLInputElement).checked)} /> Allow non-restored state
        </label>
      </div>
      <div class="jar-actions">
        <button type="submit" class="primary" disabled={busy} data-test="run">
          {busy ? 'Starting…' : 'Run'}
        </button>
        <button type="button" onClick={() => void remove()} data-test="delete">
          Delete
        </button>
        {error !== undefined && <span class="error-note">{error}</span>}
      </div>
    </form>
  );
}
