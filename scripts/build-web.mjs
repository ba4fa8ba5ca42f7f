#!/usr/bin/env node
// Builds the web dashboard (web/) into dist/web: one minified bundle and one stylesheet with content hashes in
// their names (so the server may let browsers cache them for good), and index.html naming them.
// Run by `npm run build` and by `npm ci` (prepare); type-checking is `tsc -p web`, done before this.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const out = join(root, 'dist', 'web');
const assets = join(out, 'assets');

await rm(out, { recursive: true, force: true });
await mkdir(assets, { recursive: true });

const result = await build({
  entryPoints: { app: join(web, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2020'],
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: assets,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => /^app-[A-Z0-9]+\.js$/.test(f));
const css = outputs.find((f) => /^app-[A-Z0-9]+\.css$/.test(f));
if (js === undefined || css === undefined) throw new Error(`esbuild gave no app bundle and stylesheet: ${outputs.join(', ')}`);

const html = (await readFile(join(web, 'index.html'), 'utf8')).replace('%JS%', js).replace('%CSS%', css);
await writeFile(join(out, 'index.html'), html);
for (const f of await readdir(join(web, 'public'))) await copyFile(join(web, 'public', f), join(assets, f));

const sizes = await Promise.all([js, css].map(async (f) => `${f} ${((await readFile(join(assets, f))).length / 1024).toFixed(1)} KiB`));
console.log(`web dashboard built in dist/web: ${sizes.join(', ')}`);
