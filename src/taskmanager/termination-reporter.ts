/**
 * `node termination-reporter.js <out file> <heap setting> <jm host> <jm port> <tm id>`: started by the
 * termination watchdog after its TaskManager process ended. Reads the end of the `.out` file, decides whether
 * the process ran out of memory, and sends a TaskManagerTerminationReport to the JobManager. Bounded in time;
 * exits quietly when the JobManager is gone too.
 */
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { connectRpc } from '../rpc/rpc-connection.js';
import { ResourceManagerGateway, type TaskManagerTerminationReport } from '../rpc/gateways.js';

/** What V8 and Node.js print when a heap is exhausted (the wording differs between versions and causes). */
const OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit|Fatal javascript OOM|Fatal JavaScript invalid size error/;
const TAIL_BYTES = 16 * 1024;
const TAIL_LINES = 20;
const LINE_CHARS = 300;
const TIMEOUT_MS = 5_000;

/** V8's native stack frames (" 12: 0x12a1ae3 v8::internal::..."): many lines that tell a user nothing. */
const NATIVE_FRAME = /^\s*\d+: 0x[0-9a-f]+/;

/** The last lines of a file without native frames and blank lines, each cut to a readable length. */
async function tail(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '' && !NATIVE_FRAME.test(l));
    return lines.slice(-TAIL_LINES).map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}...` : l));
  } finally {
    await handle.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [outFile, heapSetting, host, port, tmId] = argv;
  if (outFile === undefined || heapSetting === undefined || host === undefined || port === undefined || tmId === undefined) return;
  const lines = await tail(outFile).catch(() => []);
  const outOfMemory = lines.some((l) => OUT_OF_MEMORY.test(l));
  const report: TaskManagerTerminationReport = { tmId, outOfMemory, heapSetting, outFile, host: hostname(), tail: outOfMemory ? lines : [] };
  const conn = await connectRpc(host, Number(port), TIMEOUT_MS);
  try {
    await conn.call(ResourceManagerGateway.reportTaskManagerTermination, report, TIMEOUT_MS);
  } finally {
    conn.close();
  }
}

// Nobody reads this process's output: whatever goes wrong, it ends, and the JobManager falls back on the
// closed connection it saw anyway.
const deadline = setTimeout(() => process.exit(0), 2 * TIMEOUT_MS);
deadline.unref();
main(process.argv.slice(2)).then(
  () => process.exit(0),
  () => process.exit(0),
);
