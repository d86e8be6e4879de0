/**
 * `segvit serve`: the example page (dist/browser, built by `npm run build:browser`) and an exported model on a
 * local HTTP server. `/` is the page and its wasm binaries, `/model/` the export folder. The page is served
 * cross-origin isolated (COOP + COEP), so the wasm backend can run threaded.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE } from './export/manifest.js';

/** The built page, inside the package: dist/browser. */
export const PAGE_DIR = fileURLToPath(new URL('../browser/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.safetensors': 'application/octet-stream',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

export interface ServeOptions {
  /** The export folder (written by `segvit export`). */
  modelDir: string;
  port: number;
  host: string;
  /** The page's folder; default PAGE_DIR. */
  pageDir?: string;
  /** Told of each request that found nothing (method, path, why). */
  onMissing?(path: string, why: string): void;
}

/** Check that both folders are there, naming the fix when not. */
function checkFolders(modelDir: string, pageDir: string): void {
  if (!existsSync(join(pageDir, 'index.html'))) {
    throw new Error(`${pageDir}: the example page is not built: run npm run build:browser in the segvit package`);
  }
  if (!existsSync(modelDir) || !statSync(modelDir).isDirectory()) throw new Error(`${modelDir}: no such folder; make it with segvit export CONFIG CHECKPOINT --out ${modelDir}`);
  if (!existsSync(join(modelDir, MANIFEST_FILE))) {
    throw new Error(`${modelDir}: no ${MANIFEST_FILE}, so this is not an exported model; make one with segvit export CONFIG CHECKPOINT --out ${modelDir}`);
  }
}

/** The file a URL path names inside `root`, or undefined when it would leave it. */
function inside(root: string, path: string): string | undefined {
  const top = resolve(root);
  const file = resolve(top, `.${normalize(`/${path}`)}`);
  return file === top || file.startsWith(top + sep) ? file : undefined;
}

/** Start serving; resolves once listening, with the page's URL and a way to stop. */
export async function serve(options: ServeOptions): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const pageDir = options.pageDir ?? PAGE_DIR;
  checkFolders(options.modelDir, pageDir);
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad URL');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const [root, rest] = path.startsWith('/model/') ? [options.modelDir, path.slice('/model/'.length)] : [pageDir, path === '/' ? 'index.html' : path];
    const file = inside(root, rest);
    const stat = file === undefined ? undefined : statSync(file, { throwIfNoEntry: false });
    if (!file || !stat?.isFile()) {
      options.onMissing?.(path, file ? `no file ${file}` : 'outside the served folders');
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...ISOLATION }).end(`${path}: not found\n`);
      return;
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': stat.size, ...ISOLATION });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new Error(`port ${options.port} on ${options.host} is in use: choose another with --port`) : err),
    );
    server.listen(options.port, options.host, done);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}/`, server, close: () => new Promise((done) => server.close(() => done())) };
}
