/**
 * Backend selection. Order of preference: `tensorflow` (tfjs-node-gpu, then tfjs-node, when installed and
 * loadable) > `wasm` > `cpu`. `--backend` / SEGVIT_BACKEND choose explicitly. The choice is printed once.
 */
// tfjs-core's API through the union package, which also registers every gradient and the cpu backend (tfjs-core's own
// ESM build cannot be imported by Node). A namespace import rather than a bare `import '@tensorflow/tfjs'`, which tsc
// would copy into backend.d.ts and so make a consumer's compiler check tfjs-layers' declarations (strict ones fail).
import * as tf from '@tensorflow/tfjs';
import { registerKernels } from './kernels/index.js';
import { describeGemm } from './kernels/native-blas.js';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

const NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

let announced = false;

/** Why each native package failed to load, for the error when `tensorflow` is requested explicitly. */
async function loadNativeBackend(): Promise<{ loaded?: string; failures: string[] }> {
  const failures: string[] = [];
  for (const pkg of NODE_PACKAGES) {
    try {
      await import(pkg);
      if (tf.findBackend('tensorflow')) return { loaded: pkg, failures };
      failures.push(`${pkg}: loaded but registered no 'tensorflow' backend`);
    } catch (err) {
      failures.push(`${pkg}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { failures };
}

async function loadWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
}

/** A failed allocation on the wasm heap (tfjs would go on with the pointer it got and write where it points). */
export class WasmHeapFull extends Error {}

interface WasmModule {
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
}

let heapGuarded = false;

/**
 * Make a failed allocation on the wasm heap throw. tfjs-backend-wasm takes the pointer `_malloc` returns without a
 * check: when the heap cannot grow it gets 0, and the kernel writes its output over the start of the heap,
 * corrupting it and failing later with an unrelated message (or none).
 */
function guardWasmHeap(): void {
  const wasm = (tf.findBackend('wasm') as unknown as { wasm?: WasmModule } | null)?.wasm;
  if (!wasm || heapGuarded) return;
  wasm._free(wasm._malloc(8)); // Emscripten binds the exports on first call, replacing whatever wraps them before
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (n) => {
    const p = malloc(n);
    // 0 when the heap cannot grow; a block reaching past the heap when dlmalloc's 32-bit size arithmetic wraps
    // (a request of nearly 4 GB on a large heap)
    if (n > 0 && (p === 0 || (p >>> 0) + n > wasm.HEAPU8.length)) {
      const mb = (v: number) => (v / 2 ** 20).toFixed(0);
      throw new WasmHeapFull(`the wasm heap is full: ${mb(n)} MB more did not fit in its ${mb(wasm.HEAPU8.length)} MB`);
    }
    return p;
  };
  heapGuarded = true;
}

function silenceCpuNodeHint(): void {
  // The cpu backend prints an advert for tfjs-node on first use; segvit already says which backend runs.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

function parseRequest(requested: string | undefined): BackendName | undefined {
  if (requested === undefined || requested === '' || requested === 'auto') return undefined;
  if ((BACKENDS as readonly string[]).includes(requested)) return requested as BackendName;
  throw new Error(`unknown backend '${requested}': use one of ${BACKENDS.join(', ')} or auto`);
}

/**
 * Select and initialise the backend. `requested` (else SEGVIT_BACKEND, else auto) is one of
 * `tensorflow`, `wasm`, `cpu` or `auto`. Returns the backend's name.
 */
export async function initBackend(
  requested: string | undefined = process.env.SEGVIT_BACKEND,
  options: { quiet?: boolean } = {},
): Promise<BackendName> {
  const want = parseRequest(requested);
  let chosen: BackendName | undefined;
  let detail = '';
  if (want === undefined || want === 'tensorflow') {
    const native = await loadNativeBackend();
    if (native.loaded) {
      chosen = 'tensorflow';
      detail = native.loaded;
    } else if (want === 'tensorflow') {
      throw new Error(
        `backend 'tensorflow' is not available (${native.failures.join('; ')}). ` +
          'Install it with `npm install @tensorflow/tfjs-node-gpu` (GPU) or `npm install @tensorflow/tfjs-node` (CPU), ' +
          'or choose --backend wasm',
      );
    }
  }
  if (chosen === undefined && (want === undefined || want === 'wasm')) {
    try {
      await loadWasm();
      if (await tf.setBackend('wasm')) chosen = 'wasm';
    } catch (err) {
      if (want === 'wasm') throw new Error(`backend 'wasm' failed to initialise: ${(err as Error).message}`);
    }
  }
  if (chosen === undefined) {
    await tf.setBackend('cpu');
    chosen = 'cpu';
  } else if (chosen === 'tensorflow') {
    await tf.setBackend('tensorflow');
  }
  await tf.ready();
  registerKernels();
  guardWasmHeap();
  silenceCpuNodeHint();
  if (!announced && !options.quiet) {
    if (chosen === 'wasm') detail = describeGemm();
    process.stderr.write(`segvit: backend ${chosen}${detail ? ` (${detail})` : ''}, tfjs ${tf.version_core}\n`);
    announced = true;
  }
  return chosen;
}

/** Make both reference backends available (wasm with segvit's extra kernels, and cpu), without switching. */
export async function loadAllBackends(): Promise<void> {
  await loadWasm();
  registerKernels();
  silenceCpuNodeHint();
  guardWasmHeap();
}

/**
 * Memory in use, in MB: on wasm the heap size (it only grows, so it is the peak so far; tfjs's own byte count
 * counts shared buffers once per tensor), elsewhere tfjs's byte count.
 */
export function memoryMB(): number {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
  return (wasm ? wasm.HEAPU8.length : tf.memory().numBytes) / 2 ** 20;
}

/** Live tensor bytes on the wasm heap, and their peak since `resetPeak`. */
export interface HeapUsage {
  liveMB(): number;
  peakMB(): number;
  resetPeak(): void;
}

let heapUsage: HeapUsage | undefined;

/**
 * Counts what tfjs allocates on the wasm heap (tensor data) from here on; undefined off wasm. The heap size only
 * grows and includes freed blocks; this is the memory a step actually holds, at its peak.
 */
export function wasmHeapUsage(): HeapUsage | undefined {
  const wasm = (tf.backend() as unknown as { wasm?: WasmModule }).wasm;
  if (!wasm) return undefined;
  if (heapUsage) return heapUsage;
  guardWasmHeap(); // binds Emscripten's exports first
  const malloc = wasm._malloc.bind(wasm);
  const free = wasm._free.bind(wasm);
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  wasm._malloc = (n) => {
    const p = malloc(n);
    sizes.set(p >>> 0, n);
    live += n;
    peak = Math.max(peak, live);
    return p;
  };
  wasm._free = (p) => {
    live -= sizes.get(p >>> 0) ?? 0;
    sizes.delete(p >>> 0);
    free(p);
  };
  heapUsage = { liveMB: () => live / 2 ** 20, peakMB: () => peak / 2 ** 20, resetPeak: () => void (peak = live) };
  return heapUsage;
}

/** The wasm heap's ceiling: wasm32 addresses 4 GB, and tfjs's wasm build may grow to all of it. */
export const WASM_MAX_HEAP_MB = 4096;

/**
 * Whether `err` is the wasm backend failing inside its module (a WebAssembly trap, or Emscripten's abort). Running
 * out of heap shows up this way: a failed allocation throws WasmHeapFull (or aborts inside the module), or a null
 * pointer is used ("table index is out of bounds").
 */
export function isWasmFailure(err: unknown): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  // a trap in one of the backend's worker threads arrives as a plain Error carrying the trap's message
  const message = (err as Error)?.message ?? '';
  return err instanceof WebAssembly.RuntimeError || err instanceof WasmHeapFull || /^(Aborted\(|memory access out of bounds|table index is out of bounds)/.test(message);
}
