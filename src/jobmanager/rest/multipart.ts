/**
 * multipart/form-data uploads, streamed to disk under the upload directory (never buffered whole in memory),
 * bounded by `rest.server.max-content-length`. Form fields (small JSON such as `request`) are the only part
 * held in memory, and they share a small budget, so parallel uploads cost the JobManager disk, not heap.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { RestHandlerError, badRequest } from './rest-errors.js';

export interface UploadedFile {
  /** The form field the file came in. */
  fieldName: string;
  /** The client's file name (base name only). */
  fileName: string;
  /** Where it was written. */
  path: string;
  size: number;
}

export interface MultipartUpload {
  fields: Map<string, string>;
  files: UploadedFile[];
  /** Removes the temporary files. Safe to call twice. */
  dispose(): Promise<void>;
}

/** All form fields of one request together; a job submission's `request` field is a few hundred bytes. */
export const MAX_FORM_FIELDS_BYTES = 1024 * 1024;

export interface MultipartOptions {
  uploadDir: string;
  maxContentLength: number;
  /**
   * Called with the bytes received so far, for every chunk; returning an error stops the upload with it
   * (e.g. the cap on stored uploads).
   */
  onProgress?: (receivedBytes: number) => RestHandlerError | undefined;
}

export function tooLarge(maxContentLength: number): RestHandlerError {
  return new RestHandlerError(
    413,
    `Request entity too large: the request exceeds rest.server.max-content-length (${maxContentLength} bytes).`,
  );
}

export async function receiveMultipart(req: IncomingMessage, opts: MultipartOptions): Promise<MultipartUpload> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw badRequest(`Expected a multipart/form-data request, but the content type is '${contentType || 'none'}'.`);
  }
  await mkdir(opts.uploadDir, { recursive: true });
  const dir = await mkdtemp(join(opts.uploadDir, 'upload-'));
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const { fields, files } = await parseInto(req, dir, opts);
    return { fields, files, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

function parseInto(
  req: IncomingMessage,
  dir: string,
  opts: MultipartOptions,
): Promise<{ fields: Map<string, string>; files: UploadedFile[] }> {
  const { maxContentLength, onProgress } = opts;
  const fieldsLimit = Math.min(maxContentLength, MAX_FORM_FIELDS_BYTES);
  const fieldsTooLarge = (): RestHandlerError =>
    new RestHandlerError(413, `The form fields of the request exceed ${fieldsLimit} bytes; send large content as a file part.`);
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    const files: UploadedFile[] = [];
    const writes: Array<Promise<void>> = [];
    let settled = false;
    let received = 0;
    let fieldBytes = 0;

    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: maxContentLength, fieldSize: fieldsLimit, fields: 1000, parts: 1000 },
      });
    } catch (err) {
      reject(badRequest(`Could not parse the multipart request: ${(err as Error).message}`));
      return;
    }

    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      req.off('data', onData);
      bb.removeAllListeners();
      bb.on('error', () => undefined);
      bb.destroy();
      reject(err);
    };

    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxContentLength) return fail(tooLarge(maxContentLength));
      const refused = onProgress?.(received);
      if (refused) fail(refused);
    };
    req.on('data', onData);
    req.on('close', () => {
      if (!req.complete) fail(badRequest('The client aborted the upload.'));
    });

    bb.on('field', (name, value, info) => {
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.valueTruncated || fieldBytes > fieldsLimit) return fail(fieldsTooLarge());
      fields.set(name, value);
    });

    bb.on('file', (fieldName, stream, info) => {
      const fileName = basename(info.filename ?? fieldName);
      if (fileName === '' || fileName === '.' || fileName === '..') {
        stream.resume();
        return fail(badRequest(`Invalid upload file name '${info.filename ?? ''}'.`));
      }
      const fileDir = join(dir, String(files.length));
      const target = join(fileDir, fileName);
      const entry: UploadedFile = { fieldName, fileName, path: target, size: 0 };
      files.push(entry);
      stream.on('limit', () => fail(tooLarge(maxContentLength)));
      // Created synchronously so the write stream is attached before busboy emits the first chunk.
      mkdirSync(fileDir, { recursive: true });
      const out = createWriteStream(target);
      writes.push(
        pipeline(stream, out)
          .then(() => {
            entry.size = out.bytesWritten;
          })
          .catch((err: unknown) => fail(err)),
      );
    });

    bb.on('error', (err: Error) => fail(badRequest(`Could not parse the multipart request: ${err.message}`)));
    bb.on('close', () => {
      void Promise.all(writes).then(() => {
        if (settled) return;
        settled = true;
        req.off('data', onData);
        resolve({ fields, files });
      });
    });

    req.pipe(bb);
  });
}
