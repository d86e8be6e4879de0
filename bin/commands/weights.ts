/**
 * Weights for the commands that run a model on given weights (features, forward, eval, predict): loaded strictly by
 * default, as PyTorch's `load_state_dict`, so a checkpoint that does not fit never runs silently on random weights.
 */
import { Option } from 'commander';
import { withoutRandomInit } from '../../lib/nn/init.js';
import type { Module } from '../../lib/nn/module.js';
import { CheckpointMismatchError, loadWeights, type LoadReport } from '../../lib/weights/node.js';

export const nonStrictOption = new Option(
  '--non-strict',
  'load the checkpoint tensors that match the model and run anyway (missing ones keep their initial values)',
);

/** The help paragraph on strict loading, with an example of `command` (its arguments before the flag). */
export function strictLoadingHelp(command: string): string {
  return `
Weights load strictly, as PyTorch's load_state_dict(strict=True): every tensor of the model must be in the checkpoint
with its shape, else the command stops before any work with the missing and mismatched keys and what the checkpoint
looks like. Checkpoint tensors the model does not use (an auxiliary head, a classifier) are listed, not refused, as
mmseg's init_model only warns about them. --non-strict loads what matches and runs anyway:
  $ segvit ${command} --non-strict`;
}

/** Load `file` into `model`: strict unless `nonStrict`, the refusal naming the flag that overrides it. */
export function loadCommandWeights(model: Module, file: string, nonStrict = false): LoadReport {
  try {
    return loadWeights(model, file, { strict: nonStrict ? false : 'model' });
  } catch (err) {
    if (!(err instanceof CheckpointMismatchError)) throw err;
    throw new Error(`${err.message}\n  to load the tensors that match and run anyway, add --non-strict`);
  }
}

/**
 * Build the model that `loadCommandWeights` fills: a strict load replaces every parameter, so their random initial
 * values are not drawn (seconds for a large model); with --non-strict, the ones the checkpoint lacks keep them.
 */
export function buildForWeights<T>(build: () => T, nonStrict = false): T {
  return nonStrict ? build() : withoutRandomInit(build);
}
