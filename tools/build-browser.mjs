#!/usr/bin/env node
// `npm run build:browser`: the example page (examples/browser) as a static folder, dist/browser/: index.html,
// style.css, app.js (the page and segvit/browser bundled by esbuild, one ESM file) and tfjs's wasm binaries beside it.
// Runs after tsc: it bundles the compiled dist/examples/browser/main.js.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist/examples/browser/main.js');
const out = join(root, 'dist/browser');
if (!existsSync(entry)) {
  console.error(`build:browser: ${entry} is missing: compile first (npm run build)`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'examples/browser', file), join(out, file));
const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(join(wasmDist, 'dist', file), join(out, file));
}
const app = readFileSync(join(out, 'app.js'));
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(`build:browser: ${out}: app.js ${kb(app.length)} (${kb(gzipSync(app, { level: 9 }).length)} gzipped) + wasm binaries`);
