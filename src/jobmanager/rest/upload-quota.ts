/**
 * The cap on stored program uploads (`web.upload.max-files`, `web.upload.max-total-size`). Flink has no such
 * cap; without one, anyone who can reach the REST port can fill the JobManager's disk. Uploads still streaming
 * count too, so parallel uploads cannot overshoot the cap together: each holds a reservation of its declared
 * size (Content-Length), grown as bytes arrive when the client sent none.
 */
import type { UploadedProgram } from '../dispatcher/dispatcher-gateway.js';
import { RestHandlerError } from './rest-errors.js';

export interface UploadLimits {
  /** How many uploaded programs may be stored; Infinity for no cap. */
  maxFiles: number;
  /** How many bytes the stored and in-progress uploads may take together; Infinity for no cap. */
  maxTotalBytes: number;
}

export const NO_UPLOAD_LIMITS: UploadLimits = Object.freeze({ maxFiles: Infinity, maxTotalBytes: Infinity });

export class UploadLimitExceededError extends RestHandlerError {
  constructor(message: string) {
    super(409, message);
  }
}

/** One admitted upload; release it when the upload failed or was stored. */
export interface UploadReservation {
  /** Reports the bytes received so far; answers the error that must stop the upload when over the cap. */
  grow(receivedBytes: number): UploadLimitExceededError | undefined;
  release(): void;
}

export class UploadQuota {
  private readonly inFlight = new Map<symbol, number>();
  private storedBytes = 0;
  /** admit() and commit() run one at a time, so two uploads cannot both take the last free place. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly limits: UploadLimits,
    private readonly listStored: () => Promise<UploadedProgram[]>,
  ) {}

  /** Admits an upload of up to `declaredBytes` (0 when unknown), or rejects with 409 naming the key to change. */
  admit(declaredBytes: number): Promise<UploadReservation> {
    return this.exclusive(async () => {
      const stored = await this.listStored();
      this.storedBytes = stored.reduce((sum, p) => sum + p.size, 0);
      const files = stored.length + this.inFlight.size;
      if (files >= this.limits.maxFiles) {
        throw new UploadLimitExceededError(
          `The cluster already holds ${files} uploaded programs (web.upload.max-files: ${this.limits.maxFiles}). ` +
            'Delete programs you no longer need (DELETE /jars/:jarid) or raise web.upload.max-files.',
        );
      }
      const key = Symbol('upload');
      this.inFlight.set(key, Math.max(0, declaredBytes));
      const overflow = this.overflow();
      if (overflow) {
        this.inFlight.delete(key);
        throw overflow;
      }
      return {
        grow: (received) => {
          if (!this.inFlight.has(key) || received <= (this.inFlight.get(key) ?? 0)) return undefined;
          this.inFlight.set(key, received);
          return this.overflow();
        },
        release: () => {
          this.inFlight.delete(key);
        },
      };
    });
  }

  /** Stores an admitted upload with `store` and releases its reservation, in turn with other admissions. */
  commit<T>(reservation: UploadReservation, store: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      try {
        return await store();
      } finally {
        reservation.release();
      }
    });
  }

  private overflow(): UploadLimitExceededError | undefined {
    let total = this.storedBytes;
    for (const bytes of this.inFlight.values()) total += bytes;
    if (total <= this.limits.maxTotalBytes) return undefined;
    return new UploadLimitExceededError(
      `This upload would take the stored and in-progress uploads to ${total} bytes, over ` +
        `web.upload.max-total-size (${this.limits.maxTotalBytes} bytes). ` +
        'Delete programs you no longer need (DELETE /jars/:jarid) or raise web.upload.max-total-size.',
    );
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
