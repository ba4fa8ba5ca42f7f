/**
 * Loading a job bundle in plan mode. The bundle imports `flink-ts` through a shim that reads the API
 * from a global (see the client's bundler), so the same API instance the host installed captures the
 * pipeline, wherever the bundle file lives.
 */
import { pathToFileURL } from 'node:url';
import * as api from '../api/index.js';

export const API_GLOBAL = '__FLINK_TS_API__';

/** Imports the bundle; resolves when the program's top level completed. */
export async function importBundle(bundlePath: string): Promise<void> {
  (globalThis as Record<string, unknown>)[API_GLOBAL] = api;
  await import(`${pathToFileURL(bundlePath).href}?load=${Date.now()}-${Math.random().toString(36).slice(2)}`);
}
