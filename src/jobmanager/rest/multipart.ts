/**
 * multipart/form-data uploads, streamed to disk under the upload directory (never buffered whole in memory),
 * bounded by `rest.server.max-content-length`.
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

export function tooLarge(maxContentLength: number): RestHandlerError {
  return new RestHandlerError(
    413,
    `Request entity too large: the request exceeds rest.server.max-content-length (${maxContentLength} bytes).`,
  );
}

export async function receiveMultipart(
  req: IncomingMessage,
  opts: { uploadDir: string; maxContentLength: number },
): Promise<MultipartUpload> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw badRequest(`Expected a multipart/form-data request, but the content type is '${contentType || 'none'}'.`);
  }
  await mkdir(opts.uploadDir, { recursive: true });
  const dir = await mkdtemp(join(opts.uploadDir, 'upload-'));
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const { fields, files } = await parseInto(req, dir, opts.maxContentLength);
    return { fields, files, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

function parseInto(
  req: IncomingMessage,
  dir: string,
  maxContentLength: number,
): Promise<{ fields: Map<string, string>; files: UploadedFile[] }> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    const files: UploadedFile[] = [];
    const writes: Array<Promise<void>> = [];
    let settled = false;
    let received = 0;

    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: maxContentLength, fieldSize: maxContentLength, fields: 1000, parts: 1000 },
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
      if (received > maxContentLength) fail(tooLarge(maxContentLength));
    };
    req.on('data', onData);
    req.on('close', () => {
      if (!req.complete) fail(badRequest('The client aborted the upload.'));
    });

    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(tooLarge(maxContentLength));
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
