/** The ResourceManager's REST API as a test uses it to submit and follow applications by hand (insecure cluster: ?user.name=). */

export interface AppReport {
  id: string;
  state: string;
  finalStatus: string;
  diagnostics: string;
  trackingUrl?: string;
  trackingUI?: string;
  amRPCAddress?: string;
  amHostHttpAddress?: string;
  [k: string]: unknown;
}

/** The ResourceManager's REST API as a client uses it on an insecure cluster (?user.name=). */
export class ResourceManagerRest {
  constructor(
    readonly base: string,
    readonly user: string,
  ) {}

  private url(path: string): string {
    return `${this.base}/ws/v1/cluster${path}?user.name=${encodeURIComponent(this.user)}`;
  }

  private async json(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(this.url(path), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  async newApplication(): Promise<string> {
    return ((await this.json('POST', '/apps/new-application')).body as { 'application-id': string })['application-id'];
  }

  async submit(submission: Record<string, unknown>): Promise<void> {
    await this.json('POST', '/apps', submission);
  }

  async report(id: string): Promise<AppReport> {
    return ((await this.json('GET', `/apps/${id}`)).body as { app: AppReport }).app;
  }

  /** Asks the RM to kill the application; ignores errors (used in cleanup). */
  async kill(id: string): Promise<void> {
    await this.json('PUT', `/apps/${id}/state`, { state: 'KILLED' }).catch(() => undefined);
  }
}
