/** A backbone's forward as a chain of pieces, cut between them (local learning trains groups of pieces as modules). */
import * as tf from '@tensorflow/tfjs-core';
import type { CutSegment, ForwardCuts } from '../segmentors/types.js';

/** One piece of a forward: the state at its start cut -> the state at its end cut, with the outputs it makes. */
export interface ForwardPiece {
  /** The cut at the piece's end, named by the module finished there. */
  name: string;
  /** Channels of the feature map at that cut. */
  channels: number;
  /** Channels of the output the piece makes, if it makes one. */
  outChannels?: number;
  run(carry: tf.Tensor[], emit: Pick<CutSegment, 'outs' | 'priors'>): tf.Tensor[];
}

/** The cuts between `pieces` (the end of the last one is the end of the forward, not a cut). */
export function chainCuts(pieces: ForwardPiece[], inChannels: number, stageCuts: string[]): ForwardCuts {
  const names = pieces.slice(0, -1).map((p) => p.name);
  return {
    names,
    stageCuts,
    channels: (cut) => (cut < 0 ? inChannels : pieces[cut].channels),
    featureChannels: (cut) => pieces[cut].outChannels ?? pieces[cut].channels,
    run(carry, from, to) {
      if (!(Number.isInteger(from) && Number.isInteger(to) && -1 <= from && from < to && to <= names.length)) {
        throw new Error(`cuts.run(${from}, ${to}): need -1 <= from < to <= ${names.length}`);
      }
      return tf.tidy(() => {
        const emit: Pick<CutSegment, 'outs' | 'priors'> = { outs: [], priors: [] };
        let state = carry;
        let made = 0;
        for (let i = from + 1; i <= to; i++) {
          made = emit.outs.length;
          state = pieces[i].run(state, emit);
        }
        if (to === names.length) return { carry: [], ...emit };
        return { carry: state, ...emit, feature: (emit.outs.length > made ? emit.outs.at(-1) : state[0]) as tf.Tensor4D };
      });
    },
  };
}
