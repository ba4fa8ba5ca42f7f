import type { DispatcherGateway } from '../dispatcher/dispatcher-gateway.js';

/** What every handler group gets from the endpoint. */
export interface HandlerContext {
  readonly gateway: DispatcherGateway;
  readonly uploadDir: string;
  readonly maxContentLength: number;
  /** `web.submit.enable`. */
  readonly webSubmitEnabled: boolean;
  readonly flinkVersion: string;
  readonly flinkRevision: string;
  /** The endpoint's own URL (`http://host:port`), known once it is bound. */
  url(): string;
  now(): number;
}
