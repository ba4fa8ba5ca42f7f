/**
 * The container the test ApplicationMaster (yarn-test-am.ts) starts: it leaves a marker file with its container id
 * and a copy of the credentials file the NodeManager gave it (to check that the AMRMToken was left out).
 */
import { copyFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const out = process.env['YARN_IT_OUT_DIR'] ?? '.';
const id = process.env['CONTAINER_ID'] ?? 'unknown';
const tokens = process.env['HADOOP_TOKEN_FILE_LOCATION'];
if (tokens) await copyFile(tokens, join(out, `${id}.tokens`));
await writeFile(join(out, `${id}.tmp`), JSON.stringify({ containerId: id, user: process.env['USER'], tokenFile: tokens ?? null }));
await rename(join(out, `${id}.tmp`), join(out, `${id}.marker`));
process.stdout.write(`marker written for ${id}\n`);
