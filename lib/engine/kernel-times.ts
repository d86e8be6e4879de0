/**
 * Time per kernel under `tf.profile`, as own time: some kernels are composed from other kernels (segvit's
 * Conv2DBackpropFilter on wasm runs StridedSlice and BatchMatMul), and tf.profile lists both the composite, whose
 * time includes its parts, and the parts. Subtracting each kernel's nested kernels from its time gives figures that
 * add up to the time spent in kernels, so each one's share of a step means what it says.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KernelTime {
  name: string;
  /** Time inside the kernel itself, nested kernels excluded, summed over its calls. */
  ms: number;
  /** Number of calls. */
  count: number;
}

export interface KernelProfile<T> {
  result: T;
  /** Kernels by own time, largest first. */
  kernels: KernelTime[];
  /** tf.profile's peak of tfjs's byte count (tensors alive at once, process-wide). */
  peakBytes: number;
}

interface ProfilerHook {
  profileKernel: (...args: unknown[]) => unknown;
}

/**
 * Record the nesting depth of each profiled kernel in the order tf.profile lists them. tfjs lists a kernel when it
 * returns, right after its profiler call, so the two orders agree. The profiler is tfjs-internal (`engine.profiler`).
 */
function recordDepths(depths: number[]): () => void {
  const engine = tf.engine() as unknown as { profiler: ProfilerHook; state: { kernelDepth: number } };
  const profiler = engine.profiler;
  const original = profiler.profileKernel;
  profiler.profileKernel = (...args: unknown[]) => {
    const out = original.apply(profiler, args);
    depths.push(engine.state.kernelDepth);
    return out;
  };
  return () => {
    profiler.profileKernel = original;
  };
}

/** Own times from kernels in completion order (children before their parent) and their depths. */
export function ownTimes(kernels: { name: string; ms: number }[], depths: number[]): KernelTime[] {
  if (kernels.length !== depths.length) throw new Error(`kernel-times: ${kernels.length} kernels but ${depths.length} depths`);
  const childTime: number[] = []; // per depth: time of the finished children of the kernel now running at depth - 1
  const byName = new Map<string, KernelTime>();
  kernels.forEach(({ name, ms }, i) => {
    const depth = depths[i]!;
    const own = ms - (childTime[depth + 1] ?? 0);
    childTime[depth + 1] = 0;
    childTime[depth] = (childTime[depth] ?? 0) + ms;
    const row = byName.get(name) ?? { name, ms: 0, count: 0 };
    row.ms += Math.max(own, 0);
    row.count += 1;
    byName.set(name, row);
  });
  return [...byName.values()].sort((a, b) => b.ms - a.ms);
}

/** Run `f` under tf.profile and return its result with the own time of every kernel it ran. */
export async function profileKernels<T>(f: () => Promise<T>): Promise<KernelProfile<T>> {
  const depths: number[] = [];
  const restore = recordDepths(depths);
  let result: T | undefined;
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(async () => {
      result = await f();
    });
  } finally {
    restore();
  }
  const kernels = info.kernels.map((k) => ({ name: k.name, ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0 }));
  // custom gradients (segvit's view, checkpoint, CE) are listed under their scope's name; their own time is
  // JavaScript between the kernels they run, so they count for nesting but are not kernels of the table
  const backend = tf.getBackend();
  const own = ownTimes(kernels, depths).filter((k) => tf.getKernel(k.name, backend) !== undefined);
  return { result: result as T, kernels: own, peakBytes: info.peakBytes };
}
