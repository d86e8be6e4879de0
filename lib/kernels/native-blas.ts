/**
 * The optional native GEMM (lib/kernels/native/blas.c, built at install time into dist/native/segvit_blas.node).
 * Loaded synchronously through `process.getBuiltinModule` (Node ≥ 20.16), so this file imports no Node built-in and
 * a browser bundle simply finds no addon. SEGVIT_NATIVE=0 turns it off.
 */

/** The addon's exports (see blas.c for the argument order and meaning). */
export interface NativeBlas {
  sgemmBatched(
    heap: Uint8Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    aOffset: number,
    aStride: number,
    bOffset: number,
    bStride: number,
    cOffset: number,
    cStride: number,
    biasOffset: number,
    activation: number,
    alpha: number,
  ): void;
  /** y = conv(x, w): 15 sizes (batch, height, width, in, kernelH, kernelW, out, outH, outW, strides, dilations, padTop, padLeft), then offsets. */
  conv2d(heap: Uint8Array, ...sizesThenOffsets: number[]): void;
  /** dw = patches(x)ᵀ·dy: the same 15 sizes, then the offsets of x, dy and dw. */
  conv2dFilterGrad(heap: Uint8Array, ...sizesThenOffsets: number[]): void;
  threads(): number;
}

export interface NativeBlasStatus {
  blas?: NativeBlas;
  /** Why it is not in use, when it is not. */
  reason?: string;
}

let status: NativeBlasStatus | undefined;

type NodeProcess = {
  env: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
};

function load(): NativeBlasStatus {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc) return { reason: 'not in Node' };
  if (proc.env.SEGVIT_NATIVE === '0') return { reason: 'turned off by SEGVIT_NATIVE=0' };
  const nodeModule = proc.getBuiltinModule?.('node:module') as
    | { createRequire(url: string): (id: string) => unknown }
    | undefined;
  if (!nodeModule) return { reason: 'needs Node ≥ 20.16 (process.getBuiltinModule)' };
  const path = new URL('../../native/segvit_blas.node', import.meta.url).pathname;
  try {
    return { blas: nodeModule.createRequire(import.meta.url)(path) as NativeBlas };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    return {
      reason: /Cannot find module/.test(message)
        ? 'not built (needs a C compiler and OpenBLAS at install: apt-get install build-essential libopenblas-dev, then npm run build:native)'
        : `failed to load: ${message}`,
    };
  }
}

/** The addon, loaded once, or why it is unavailable. */
export function nativeBlas(): NativeBlasStatus {
  status ??= load();
  return status;
}

/** For the backend banner and `segvit --version`: which GEMM wasm's matmuls use, and why. */
export function describeGemm(): string {
  const { blas, reason } = nativeBlas();
  return blas ? `native OpenBLAS GEMM (${blas.threads()} threads)` : `wasm GEMM (native GEMM ${reason})`;
}
