import type { DispatcherGateway } from '../dispatcher/dispatcher-gateway.js';
import type { UploadQuota } from './upload-quota.js';

/** What every handler group gets from the endpoint. */
export interface HandlerContext {
  readonly gateway: DispatcherGateway;
  readonly uploadDir: string;
  readonly maxContentLength: number;
  /** `web.submit.enable`. */
  readonly webSubmitEnabled: boolean;
  /** The cap on stored program uploads. */
  readonly uploadQuota: UploadQuota;
  readonly flinkVersion: string;
  readonly flinkRevision: string;
  /** The endpoint's own URL (`http://host:port`), known once it is bound. */
  url(): string;
  now(): number;
}
