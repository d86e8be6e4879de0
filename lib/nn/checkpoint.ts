/**
 * Activation checkpointing (`torch.utils.checkpoint`, mmseg's `with_cp`): the forward of `fn` keeps only its input;
 * its backward runs `fn` again under a tape of its own and takes the gradients of the input and of `params` from
 * it. Memory then holds one input per checkpointed block instead of every activation inside it, for one more
 * forward per block. Dropout and drop-path masks are drawn again from the same `rng` state, so both runs agree.
 */
import * as tf from '@tensorflow/tfjs-core';
import { rng } from '../random.js';

/** The engine's tape, which a gradient computation inside a backward pass replaces and clears. */
interface EngineState {
  activeTape: unknown;
}

/** The gradients of sum(fn(x) · dy) with respect to x and params, on a tape of its own; the outer tape is restored. */
function recompute<X extends tf.Tensor>(fn: (x: X) => tf.Tensor, x: X, params: tf.Variable[], dy: tf.Tensor, seed: number): tf.Tensor[] {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  const outerTape = state.activeTape;
  const outerSeed = rng.state;
  rng.state = seed;
  try {
    const { value, grads } = tf.engine().gradients(() => tf.sum(tf.mul(fn(x), dy)), [x, ...params], undefined, true);
    value.dispose();
    return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? x : params[i - 1]));
  } finally {
    rng.state = outerSeed;
    state.activeTape = outerTape;
  }
}

/** `fn(x)`, whose backward recomputes `fn` instead of keeping its activations; `params` are the variables `fn` reads. */
export function checkpoint<X extends tf.Tensor, Y extends tf.Tensor = X>(fn: (x: X) => Y, x: X, params: tf.Variable[]): Y {
  const run = tf.customGrad((...args: unknown[]) => {
    const input = args[0] as X;
    const save = args.at(-1) as tf.GradSaveFunc;
    save([input]);
    const seed = rng.state;
    return {
      value: fn(input),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => recompute(fn, saved[0] as X, params, dy, seed),
    };
  });
  return run(x, ...params) as Y;
}
