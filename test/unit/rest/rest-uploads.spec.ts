import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { call, chunkedMultipartPost, startTestServer, type Answer, type TestServer } from './rest-test-util.js';

const MIB = 1024 * 1024;

function programForm(name: string, bytes: number): FormData {
  const form = new FormData();
  form.append('jarfile', new Blob([new Uint8Array(bytes).fill(0x20)]), name);
  return form;
}

function errorsOf(a: Answer): string[] {
  return (a.json as { errors?: string[] } | undefined)?.errors ?? [];
}

describe('REST endpoint: uploads', () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('keeps at most web.upload.max-files programs and takes more once some are deleted', async () => {
    server = await startTestServer({ uploadLimits: { maxFiles: 2, maxTotalBytes: Infinity } });
    const first = await call(server, 'POST', '/jars/upload', programForm('a.mjs', 10));
    const second = await call(server, 'POST', '/jars/upload', programForm('b.mjs', 10));
    assert.deepEqual([first.status, second.status], [200, 200]);

    const third = await call(server, 'POST', '/jars/upload', programForm('c.mjs', 10));
    assert.equal(third.status, 409);
    assert.deepEqual(errorsOf(third), [
      'The cluster already holds 2 uploaded programs (web.upload.max-files: 2). ' +
        'Delete programs you no longer need (DELETE /jars/:jarid) or raise web.upload.max-files.',
    ]);
    assert.equal(server.gateway.calls.uploads.length, 2);

    const id = basename((first.json as { filename: string }).filename);
    assert.equal((await call(server, 'DELETE', `/jars/${id}`)).status, 200);
    assert.equal((await call(server, 'POST', '/jars/upload', programForm('c.mjs', 10))).status, 200);
  });

  it('refuses an upload that would take the stored programs over web.upload.max-total-size', async () => {
    server = await startTestServer({ uploadLimits: { maxFiles: 100, maxTotalBytes: 100 * 1024 } });
    assert.equal((await call(server, 'POST', '/jars/upload', programForm('a.mjs', 60 * 1024))).status, 200);
    const over = await call(server, 'POST', '/jars/upload', programForm('b.mjs', 60 * 1024));
    assert.equal(over.status, 409);
    assert.match(errorsOf(over)[0] ?? '', /over web\.upload\.max-total-size \(102400 bytes\)\. Delete programs you no longer need \(DELETE \/jars\/:jarid\) or raise web\.upload\.max-total-size\.$/);
    assert.equal(server.gateway.calls.uploads.length, 1);
    // Nothing of the refused upload is left in the temporary upload area.
    assert.deepEqual(await readdir(server.uploadDir), []);
  });

  it('counts uploads still in progress, so parallel uploads cannot overshoot the cap together', async () => {
    server = await startTestServer({ uploadLimits: { maxFiles: 3, maxTotalBytes: Infinity } });
    const s = server;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(s, 'POST', '/jars/upload', programForm(`p${i}.mjs`, 256 * 1024))));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 409, 409, 409]);
    assert.equal(server.gateway.programs.length, 3);
  });

  it('stops a chunked upload (no Content-Length) once the bytes that arrived pass the total cap', async () => {
    server = await startTestServer({ maxContentLength: 8 * MIB, uploadLimits: { maxFiles: 100, maxTotalBytes: 256 * 1024 } });
    const res = await chunkedMultipartPost(`${server.url}/jars/upload`, { field: 'jarfile', name: 'big.mjs' }, 64, 16 * 1024);
    assert.equal(res.status, 409, res.body);
    assert.match(res.body, /web\.upload\.max-total-size/);
    assert.equal(server.gateway.calls.uploads.length, 0);
    assert.equal((await call(server, 'POST', '/jars/upload', programForm('small.mjs', 1024))).status, 200);
  });

  it('keeps form fields and JSON bodies, which live in memory, to 1 MiB, whatever max-content-length allows', async () => {
    server = await startTestServer({ maxContentLength: 32 * MIB });
    const form = new FormData();
    form.append('request', 'x'.repeat(MIB + 1));
    form.append('file_0', new Blob(['{}']), 'g.json');
    const field = await call(server, 'POST', '/jobs', form);
    assert.equal(field.status, 413);
    assert.deepEqual(errorsOf(field), [`The form fields of the request exceed ${MIB} bytes; send large content as a file part.`]);

    const json = await call(server, 'POST', '/jars/x.mjs/run', JSON.stringify({ programArgs: 'y'.repeat(MIB) }), {
      'Content-Type': 'application/json',
    });
    assert.equal(json.status, 413);
    assert.deepEqual(errorsOf(json), [`Request entity too large: a JSON request body may have at most ${MIB} bytes.`]);
    assert.equal(server.gateway.calls.submissions.length + server.gateway.calls.runs.length, 0);
  });

  it('refuses a JobGraph file over 16 MiB before parsing it', async () => {
    server = await startTestServer({ maxContentLength: 32 * MIB });
    const form = new FormData();
    form.append('request', JSON.stringify({ jobGraphFileName: 'g.json', jobJarFileNames: ['job.mjs'], jobArtifactFileNames: [] }));
    form.append('file_0', new Blob([new Uint8Array(16 * MIB + 1).fill(0x20)]), 'g.json');
    form.append('file_1', new Blob(['export {};']), 'job.mjs');
    const res = await call(server, 'POST', '/jobs', form);
    assert.equal(res.status, 413);
    assert.deepEqual(errorsOf(res), [`The JobGraph file g.json has ${16 * MIB + 1} bytes; at most ${16 * MIB} are accepted.`]);
  });

  it('hands a submitted bundle to the dispatcher as a file, not as bytes in memory', async () => {
    server = await startTestServer();
    let seen: unknown;
    const gateway = server.gateway;
    const original = gateway.submitJob.bind(gateway);
    gateway.submitJob = (submission) => {
      seen = submission.bundle;
      return original(submission);
    };
    const form = new FormData();
    form.append('request', JSON.stringify({ jobGraphFileName: 'g.json', jobJarFileNames: ['job.mjs'], jobArtifactFileNames: [] }));
    form.append('file_0', new Blob([JSON.stringify({ name: 'x' })]), 'g.json');
    form.append('file_1', new Blob(['export {};']), 'job.mjs');
    assert.equal((await call(server, 'POST', '/jobs', form)).status, 202);
    assert.equal((seen as { fileName: string }).fileName, 'job.mjs');
    assert.equal(typeof (seen as { path?: unknown }).path, 'string');
    assert.equal((seen as { data?: unknown }).data, undefined);
  });
});
