/**
 * The engine's `gradients` (behind tf.variableGrads, tf.grads, tf.valueAndGrads), with the same tape, the same
 * gradient functions and the same numbers, but memory freed as the backward pass goes. tfjs 4.22 keeps until the
 * end of the pass every tensor any op saved for its backward and every intermediate gradient (each tensor's dy,
 * and each dx once summed into another), so a backward pass holds a second copy of the activations on top of the
 * first. Here, once a tape node's gradient is computed, its saved tensors, its outputs' gradients and the summed
 * parts are disposed: the activations are released from the last layer back, as the gradients come.
 */
import * as tf from '@tensorflow/tfjs-core';

type GradientThunks = Record<string, () => tf.Tensor>;

/** A tfjs tape node (tfjs-core's TapeNode). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => GradientThunks;
  saved?: tf.Tensor[];
}

/** The engine members `gradients` uses (internal to tfjs-core 4.22). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/** The nodes on a path from one of `xs` to `y`, their inputs cut to those that depend on an x. */
function pathFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const afterX = new Set<number>();
  for (const node of tape) {
    if (!Object.values(node.inputs).some((t) => fromX.has(t.id))) continue;
    afterX.add(node.id);
    for (const o of node.outputs) fromX.add(o.id);
  }
  const toY = new Set([y.id]);
  const beforeY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (!node.outputs.some((o) => toY.has(o.id))) continue;
    const inputs = Object.values(node.inputs);
    for (const t of inputs) toY.add(t.id);
    if (inputs.length > 0) beforeY.add(node.id);
  }
  return tape
    .filter((node) => afterX.has(node.id) && beforeY.has(node.id))
    .map((node) => ({ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))) }));
}

/** Gradients by tensor id; a tensor object may be the gradient of several ids (a gradient function passing dy on). */
class GradientMap {
  readonly #byId = new Map<number, tf.Tensor>();
  readonly #uses = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.#byId.get(id);
  }

  set(id: number, t: tf.Tensor): void {
    this.delete(id);
    this.#byId.set(id, t);
    this.#uses.set(t, (this.#uses.get(t) ?? 0) + 1);
  }

  /** Forget id's gradient and return it. */
  delete(id: number): tf.Tensor | undefined {
    const t = this.#byId.get(id);
    if (t === undefined) return undefined;
    this.#byId.delete(id);
    const n = this.#uses.get(t)! - 1;
    if (n === 0) this.#uses.delete(t);
    else this.#uses.set(t, n);
    return t;
  }

  holds(t: tf.Tensor): boolean {
    return this.#uses.has(t);
  }
}

/** The stock checks on one input's gradient, with tfjs's messages. */
function checkGradient(node: TapeNode, name: string, dx: tf.Tensor, x: tf.Tensor): void {
  if (dx.dtype !== 'float32') {
    throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
  }
  if (!tf.util.arraysEqual(dx.shape, x.shape)) {
    throw new Error(
      `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
    );
  }
}

/**
 * Walk `nodes` backward from the gradients in `grads`, summing into it each input's gradient. With `frugal`, what
 * only a node needed is disposed once its gradient is computed: its saved tensors, its outputs' gradients and the
 * parts summed; never a tensor the map still holds, nor the gradients of `keep` (those returned or given).
 */
function backpropagate(engine: EngineInternals, nodes: TapeNode[], grads: GradientMap, keep: Set<number>, frugal: boolean): void {
  const release = (t: tf.Tensor | undefined) => {
    if (t !== undefined && !grads.holds(t)) t.dispose();
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const thunks = node.gradient(node.outputs.map((o) => grads.get(o.id) ?? null));
    const spent: tf.Tensor[] = [];
    for (const [name, x] of Object.entries(node.inputs)) {
      if (!(name in thunks)) {
        throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(thunks)}.`);
      }
      const dx = engine.tidy(name, () => thunks[name]());
      checkGradient(node, name, dx, x);
      const current = grads.get(x.id);
      if (current === undefined) {
        grads.set(x.id, dx);
      } else {
        grads.set(x.id, tf.add(current, dx));
        spent.push(current, dx);
      }
    }
    if (!frugal) continue;
    for (const o of node.outputs) {
      const dy = keep.has(o.id) ? undefined : grads.delete(o.id);
      if (dy) spent.push(dy);
    }
    spent.push(...(node.saved ?? []));
    for (const t of spent) release(t);
  }
}

function frugalGradients(
  this: EngineInternals,
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients = false,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  tf.util.assert(xs.length > 0, () => 'gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const y = this.scopedRun(() => this.startTape(), () => this.endTape(), () => this.tidy('forward', f));
  tf.util.assert(y instanceof tf.Tensor, () => 'The result y returned by f() must be a tensor.');
  const tape = this.state.activeTape ?? [];
  const nodes = pathFromXsToY(tape, xs, y);
  if (!allowNoGradients && nodes.length === 0 && xs.length > 0) {
    throw new Error(
      'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.',
    );
  }
  // Higher-order gradients (a gradients call inside another's forward) share the tape: it stays whole for them,
  // and nothing is freed early, as in tfjs.
  const outermost = this.state.gradientDepth === 0;
  return this.tidy('backward', () => {
    const grads = new GradientMap();
    grads.set(y.id, dy ?? tf.onesLike(y));
    const keep = new Set(xs.map((x) => x.id));
    if (dy != null) keep.add(y.id);
    backpropagate(this, nodes, grads, keep, outermost);
    const result = xs.map((x) => grads.get(x.id)) as tf.Tensor[];
    if (outermost) {
      for (const node of tape) for (const t of node.saved ?? []) if (!grads.holds(t)) t.dispose();
      this.state.activeTape = null;
    }
    return { value: y, grads: result };
  });
}

/** Make the engine's `gradients` the frugal one (idempotent). */
export function installFrugalBackprop(): void {
  const engine = tf.engine() as unknown as { gradients: unknown };
  if (engine.gradients !== frugalGradients) engine.gradients = frugalGradients;
}
