/**
 * Job bundles: the program file (.js, .mjs or .ts) and everything it imports, bundled by esbuild into one
 * ES module. `flink-ts` imports resolve to a shim that reads the API from a global the host installs,
 * so the bundle runs the same in the client and on every TaskManager, wherever it is stored.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Message, type Plugin } from 'esbuild';
import { API_GLOBAL } from '../graph/index.js';
import { FlinkError } from '../util/errors.js';

export interface JobBundle {
  /** The program's own file name, e.g. `WordCount.js`. */
  programName: string;
  /** The bundle's file name as submitted. */
  fileName: string;
  data: Uint8Array;
  /** A local copy to import in plan mode. */
  path: string;
  /** Removes the local copy. */
  dispose(): Promise<void>;
}

export class ProgramNotFoundError extends FlinkError {
  constructor(path: string) {
    super('PROGRAM_NOT_FOUND', `The program file ${path} does not exist. Give the path of a .js, .mjs or .ts job file.`);
  }
}

export class ProgramParseError extends FlinkError {
  constructor(path: string, messages: Message[]) {
    const first = messages
      .slice(0, 3)
      .map((m) => (m.location ? `${resolve(m.location.file)}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text))
      .join('; ');
    super('PROGRAM_PARSE', `The program ${path} could not be compiled: ${first}`);
  }
}

const apiShim: Plugin = {
  name: 'flink-ts-api',
  setup(b) {
    b.onResolve({ filter: /^flink-ts(\/.*)?$/ }, () => ({ path: 'flink-ts', namespace: 'flink-ts-api' }));
    b.onLoad({ filter: /.*/, namespace: 'flink-ts-api' }, () => ({
      contents: `module.exports = globalThis[${JSON.stringify(API_GLOBAL)}];`,
      loader: 'js',
    }));
  },
};

export async function bundleProgram(programPath: string): Promise<JobBundle> {
  const abs = resolve(programPath);
  const st = await stat(abs).catch(() => undefined);
  if (!st || !st.isFile()) throw new ProgramNotFoundError(programPath);
  let code: Uint8Array;
  try {
    const out = await build({
      entryPoints: [abs],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      sourcemap: 'inline',
      logLevel: 'silent',
      plugins: [apiShim],
      // Bundled CommonJS dependencies may call require(); give them Node's.
      banner: { js: "import { createRequire as __flinkTsCreateRequire } from 'node:module'; const require = __flinkTsCreateRequire(import.meta.url);" },
    });
    code = absoluteSourceMap((out.outputFiles[0] as { contents: Uint8Array }).contents);
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (errors && errors.length > 0) throw new ProgramParseError(programPath, errors);
    throw err;
  }
  const dir = await mkdtemp(join(tmpdir(), 'flink-ts-client-'));
  const programName = basename(abs);
  const fileName = `${programName.replace(/\.(m?[jt]s|cjs)$/, '')}.bundle.mjs`;
  const path = join(dir, fileName);
  await writeFile(path, code);
  // A program that calls process.exit() skips every finally of its caller: the bundle still goes when the
  // process (or the planning thread) ends.
  const removeAtExit = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeAtExit);
  const dispose = async (): Promise<void> => {
    process.off('exit', removeAtExit);
    await rm(dir, { recursive: true, force: true });
  };
  return { programName, fileName, data: code, path, dispose };
}

const MAP_PREFIX = '//# sourceMappingURL=data:application/json;base64,';

/**
 * esbuild writes source paths relative to the working directory; the bundle is imported from elsewhere
 * (a temp dir, a TaskManager's blob dir), so stack traces need absolute paths to point at the user's file.
 */
function absoluteSourceMap(code: Uint8Array): Uint8Array {
  const text = Buffer.from(code).toString('utf8');
  const at = text.lastIndexOf(MAP_PREFIX);
  if (at < 0) return code;
  const map = JSON.parse(Buffer.from(text.slice(at + MAP_PREFIX.length).trim(), 'base64').toString('utf8')) as { sources: string[] };
  map.sources = map.sources.map((s) => (s.includes(':') && !s.startsWith('.') ? s : pathToFileURL(resolve(s)).href));
  return Buffer.from(`${text.slice(0, at)}${MAP_PREFIX}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`);
}
