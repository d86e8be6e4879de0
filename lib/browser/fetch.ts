/** The files of an export, fetched: each failure an ExportError naming the URL and the fix. */
import { ExportError } from '../export/manifest.js';

/** What to do about a missing manifest (a URL that is no export) and a missing part of one. */
export const NO_EXPORT = 'no export at this URL: make one with segvit export CONFIG CHECKPOINT --out DIR and serve DIR (segvit serve DIR)';
const REEXPORT = 'export the model again (segvit export CONFIG CHECKPOINT --out DIR) and serve that folder';

/** `what`: the file's name in the export, for the message ('the export folder has no weights.safetensors'); absent: the manifest. */
async function get(url: string, what?: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new ExportError(`${url}: could not be fetched (${(err as Error).message}); is the server (segvit serve DIR) running?`);
  }
  if (response.status === 404) {
    throw new ExportError(`${url}: not found (HTTP 404): ${what ? `the export folder has no ${what}; ${REEXPORT}` : NO_EXPORT}`);
  }
  if (!response.ok) throw new ExportError(`${url}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

/** The export's manifest (JSON) at `url`. */
export async function fetchManifest(url: string): Promise<unknown> {
  const text = await (await get(url)).text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ExportError(`${url}: not JSON (${(err as Error).message}); ${REEXPORT}`);
  }
}

/** The bytes of the export's file `what` at `url`, reporting (received, total) as they arrive; total is 0 where the server sends no length. */
export async function fetchBytes(url: string, what: string, onProgress?: (loaded: number, total: number) => void): Promise<Uint8Array> {
  const response = await get(url, what);
  const total = Number(response.headers.get('content-length') ?? 0);
  if (!response.body || !onProgress) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
