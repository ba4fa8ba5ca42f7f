import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATORS, sinkFilePath, type OperatorFactory } from '../../../src/runtime/operators/index.js';
import { drive, runSource, TestingOperatorContext } from './testing-operator-context.js';

const op = (name: string): OperatorFactory => {
  const f = OPERATORS[name];
  assert.ok(f, `operator ${name} is registered`);
  return f;
};

describe('sink operators', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ut-sinks-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a parallel file sink writes <path>/<subtask+1>; a single one writes the path itself', () => {
    assert.equal(sinkFilePath('/out', 0, 1), '/out');
    assert.equal(sinkFilePath('/out', 0, 3), '/out/1');
    assert.equal(sinkFilePath('file:///out/', 2, 3), 'file:///out/3');
  });

  it('text sink: one formatted line per record; the file appears only when the input ended', async () => {
    const path = join(dir, 'text.txt');
    const h = new TestingOperatorContext({ params: { path, writeMode: 'NO_OVERWRITE', format: 'text', rowDelimiter: '\n', fieldDelimiter: ',' } });
    const sink = op('sink:text')(h.ctx);
    await sink.open?.();
    for (const r of [['a', 1], 'plain', { k: 'v' }]) sink.processElement?.(r, 0);
    assert.deepEqual(await readdir(dir).then((fs) => fs.filter((f) => f === 'text.txt')), [], 'nothing at the path while running');
    await sink.endInput?.(0);
    await sink.close?.();
    assert.equal(await readFile(path, 'utf8'), '(a,1)\nplain\n{"k":"v"}\n');
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('.')), [], 'no temporary file left');
  });

  it('CSV sink: fields joined by the field delimiter, rows by the row delimiter', async () => {
    const path = join(dir, 'rows.csv');
    const h = await drive(op('sink:text'), { params: { path, writeMode: 'OVERWRITE', format: 'csv', rowDelimiter: '\r\n', fieldDelimiter: '|' } }, [{ record: ['a', 1, true] }, { record: ['b', 2.5, null] }]);
    assert.deepEqual(h.failures, []);
    assert.equal(await readFile(path, 'utf8'), 'a|1|true\r\nb|2.5|null\r\n');
  });

  it('a text sink closed without end of input (a failure) leaves no file', async () => {
    const path = join(dir, 'failed.txt');
    const h = new TestingOperatorContext({ params: { path, writeMode: 'OVERWRITE', format: 'text', rowDelimiter: '\n', fieldDelimiter: ',' } });
    const sink = op('sink:text')(h.ctx);
    await sink.open?.();
    sink.processElement?.('x', 0);
    await sink.close?.();
    assert.deepEqual((await readdir(dir)).filter((f) => f.includes('failed')), []);
  });

  it('collect and count sinks hand their results over as accumulators', async () => {
    const c = await drive(op('sink:collect'), { params: { accumulator: 'collect-1' } }, [{ record: 'a' }, { record: ['b', 1] }]);
    assert.deepEqual(c.accumulators.get('collect-1'), { kind: 'list', value: ['a', ['b', 1]] });
    const n = await drive(op('sink:count'), { params: { accumulator: 'count-1' } }, [{ record: 1 }, { record: 2 }, { record: 3 }]);
    assert.deepEqual(n.accumulators.get('count-1'), { kind: 'sum', value: 3 });
    const empty = await drive(op('sink:collect'), { params: { accumulator: 'collect-2' } }, []);
    assert.deepEqual(empty.accumulators.get('collect-2'), { kind: 'list', value: [] });
  });

  it('custom sink: invoke() per record, returned promises awaited in order before the end, open/close called', async () => {
    const seen: number[] = [];
    const calls: string[] = [];
    const fn = {
      open: () => void calls.push('open'),
      invoke: async (x: number) => {
        await new Promise((r) => setTimeout(r, (5 - x) * 2));
        seen.push(x);
      },
      close: () => void calls.push(`close after ${seen.length}`),
    };
    const h = await drive(op('sink:custom'), { fns: [fn] }, [1, 2, 3, 4].map((record) => ({ record })));
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.deepEqual(calls, ['open', 'close after 4']);
    assert.deepEqual(h.failures, []);
  });

  it('custom sink: a rejected invoke() fails the task', async () => {
    const h = await drive(op('sink:custom'), { fns: [async () => Promise.reject(new Error('disk full'))] }, [{ record: 1 }]);
    assert.equal((h.failures[0] as Error | undefined)?.message, 'disk full');
  });

  it('print sink: "<subtask>> " prefixes only when parallel, with the identifier when given', async () => {
    const lines = async (params: Record<string, string | boolean | null>, subtask: number, parallelism: number): Promise<string> => {
      let out = '';
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array) => {
        out += String(chunk);
        return true;
      }) as typeof process.stdout.write;
      try {
        await drive(op('sink:print'), { params: { stderr: false, ...params } }, [{ record: ['w', 1] }, { record: 'x' }], { subtask, parallelism });
      } finally {
        process.stdout.write = write;
      }
      return out;
    };
    assert.equal(await lines({ identifier: null }, 0, 1), '(w,1)\nx\n');
    assert.equal(await lines({ identifier: null }, 1, 3), '2> (w,1)\n2> x\n');
    assert.equal(await lines({ identifier: 'id' }, 0, 1), 'id> (w,1)\nid> x\n');
    assert.equal(await lines({ identifier: 'id' }, 2, 3), 'id:3> (w,1)\nid:3> x\n');
  });
});

describe('socket source', () => {
  let server: Server;
  let port: number;
  let payload: string[] = [];
  before(async () => {
    server = createServer((s) => {
      for (const p of payload) s.write(p);
      s.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('emits one record per line until the server closes, across packet boundaries, dropping \\r', async () => {
    payload = ['first\r\nsec', 'ond\nthi', 'rd\n\nlast-without-newline'];
    const out = await runSource(op('source:socket'), { params: { hostname: '127.0.0.1', port, delimiter: '\n', maxRetry: 0 } });
    assert.deepEqual(out, ['first', 'second', 'third', '', 'last-without-newline']);
  });

  it('splits on a custom delimiter', async () => {
    payload = ['a;b;', 'c'];
    assert.deepEqual(await runSource(op('source:socket'), { params: { hostname: '127.0.0.1', port, delimiter: ';', maxRetry: 0 } }), ['a', 'b', 'c']);
  });

  it('says where it could not connect and what to check', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(runSource(op('source:socket'), { params: { hostname: '127.0.0.1', port: deadPort, delimiter: '\n', maxRetry: 0 } }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'SOCKET_SOURCE_CONNECT');
      assert.match((e as Error).message, new RegExp(`could not connect to 127\\.0\\.0\\.1:${deadPort}`));
      return true;
    });
  });
});
