import * as tf from '@tensorflow/tfjs-core';

/** The optimised objective: the sum of every `loss*` term (acc_seg and the like are only reported). */
export function totalLoss(losses: Record<string, tf.Scalar>): tf.Scalar {
  const terms = Object.entries(losses)
    .filter(([k]) => k.split('.').pop()!.startsWith('loss'))
    .map(([, v]) => v);
  if (terms.length === 0) throw new Error('no loss terms to optimise');
  return tf.addN(terms) as tf.Scalar;
}
