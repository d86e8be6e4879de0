/**
 * The backend of the browser runtime: webgpu, then webgl, then wasm, the first that initialises, and why the ones
 * before it did not. wasm loads its binaries (tfjs-backend-wasm*.wasm) from `wasmPaths`, by default the folder of
 * the bundle; it runs threaded where the page is cross-origin isolated (`segvit serve` sends the headers).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerKernels } from '../kernels/index.js';

export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

/** One backend tried: whether it initialised, and why not. */
export interface BackendAttempt {
  backend: BrowserBackend;
  ok: boolean;
  reason?: string;
}

export interface BackendChoice {
  backend: BrowserBackend;
  /** E.g. 'wasm (SIMD, 2 threads)', 'webgl (WebGL 2)'. */
  detail: string;
  /** Every backend tried, in order, the chosen one last. */
  attempts: BackendAttempt[];
}

export interface BackendOptions {
  /** One backend, or an order to try; default webgpu, webgl, wasm. */
  backend?: BrowserBackend | readonly BrowserBackend[];
  /** URL of the folder holding tfjs-backend-wasm*.wasm; default: the folder of this script (the bundle). */
  wasmPaths?: string;
  /** wasm threads, where the page is cross-origin isolated; default: every logical core (navigator.hardwareConcurrency). */
  threads?: number;
}

/** Renderers that draw WebGL on the CPU, where wasm is many times faster. */
const SOFTWARE_GL = /SwiftShader|llvmpipe|softpipe|Software/i;

/** The WebGL renderer's name, where the browser tells it. */
function webglRenderer(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? gl!.getParameter(info.UNMASKED_RENDERER_WEBGL) : undefined;
  gl?.getExtension('WEBGL_lose_context')?.loseContext();
  return typeof renderer === 'string' ? renderer : undefined;
}

/**
 * Why `backend` should not be tried here, or undefined. `fallback`: another backend comes after it in the order, so
 * a software WebGL renderer is passed over (asked for alone, webgl runs on it).
 */
async function precheck(backend: BrowserBackend, fallback: boolean): Promise<string | undefined> {
  if (backend === 'webgl' && fallback) {
    const renderer = webglRenderer();
    return renderer && SOFTWARE_GL.test(renderer) ? `software renderer (${renderer}), slower than wasm` : undefined;
  }
  if (backend !== 'webgpu') return undefined;
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu)';
  return (await gpu.requestAdapter()) ? undefined : 'no WebGPU adapter (the GPU is disabled or not supported)';
}

function describe(backend: BrowserBackend): string {
  if (backend === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    const threads = getThreadsCount();
    return `wasm (${simd}, ${threads} thread${threads === 1 ? '' : 's'})`;
  }
  if (backend === 'webgl') return `webgl (WebGL ${tf.env().getNumber('WEBGL_VERSION')})`;
  return 'webgpu';
}

let wasmConfigured = false;

/**
 * Start tfjs's wasm module with `threads` threads. The module sizes its thread pool once, as it starts: the count
 * asked for (setThreadsCount), capped at half of navigator.hardwareConcurrency (it assumes two hardware threads per
 * core), which leaves 1 thread on a 2-core machine. So navigator.hardwareConcurrency reads 2 × threads while the
 * module starts, and its own value again after.
 */
async function startWasm(threads?: number): Promise<boolean> {
  const nav = globalThis.navigator as Navigator | undefined;
  const count = threads ?? nav?.hardwareConcurrency ?? 1;
  setThreadsCount(count);
  if (!nav) return tf.setBackend('wasm');
  const own = Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency');
  Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => 2 * count });
  try {
    return await tf.setBackend('wasm');
  } finally {
    if (own) Object.defineProperty(nav, 'hardwareConcurrency', own);
    else delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** Initialise the first backend of the order that works; throws naming each backend and its failure when none does. */
export async function selectBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  const order: readonly BrowserBackend[] = typeof options.backend === 'string' ? [options.backend] : (options.backend ?? BROWSER_BACKENDS);
  for (const b of order) {
    if (!BROWSER_BACKENDS.includes(b)) throw new Error(`unknown backend '${b}': use ${BROWSER_BACKENDS.join(', ')}`);
  }
  if (!wasmConfigured) {
    setWasmPaths(options.wasmPaths ?? new URL('./', import.meta.url).href);
    wasmConfigured = true;
  }
  const attempts: BackendAttempt[] = [];
  for (const [i, backend] of order.entries()) {
    let reason = await precheck(backend, i < order.length - 1);
    if (!reason) {
      try {
        if (await (backend === 'wasm' ? startWasm(options.threads) : tf.setBackend(backend))) {
          await tf.ready();
          registerKernels();
          attempts.push({ backend, ok: true });
          return { backend, detail: describe(backend), attempts };
        }
        reason = 'failed to initialise (see the console)';
      } catch (err) {
        reason = (err as Error).message;
      }
    }
    attempts.push({ backend, ok: false, reason });
  }
  throw new Error(`no backend could run: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`);
}
