/**
 * A tiny digits or depth model trained for 4 iterations and exported through the command line, as a user does; and
 * Node's side of the comparisons: the trained model, the export's manifest and first sample.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { readImage } from '../../datasets/io.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { modelOutput, prepareImage, type PreparedImage } from '../../lib/engine/predict-image.js';
import { exportMeta, parseManifest, type ExportManifest } from '../../lib/export/manifest.js';
import { registries } from '../../lib/registry.js';
import type { Segmentor } from '../../lib/segmentors/types.js';
import { loadWeights } from '../../lib/weights/node.js';
import { FOUR_ITERATIONS, runSegvit } from './cli.js';
import { tinyDepthOptions } from './tiny-depth.js';
import { tinyDigitsOptions } from './tiny-digits.js';

const CONFIGS = {
  digits: fileURLToPath(new URL('../../../configs/demo/digits_swin-nano_upernet.json', import.meta.url)),
  depth: fileURLToPath(new URL('../../../configs/demo/synthetic-depth_dpt-tiny.json', import.meta.url)),
};

export interface TrainedExport {
  /** The work dir: config.json (the config as trained) and checkpoints. */
  workDir: string;
  /** The export folder. */
  exportDir: string;
  /** The checkpoint's model.safetensors. */
  checkpoint: string;
}

/** Train the `kind` demo shrunk in `cwd`, then `segvit export` its work dir's config.json and latest checkpoint. */
export function trainAndExport(cwd: string, kind: keyof typeof CONFIGS): TrainedExport {
  const dataRoot = join(cwd, `data-${kind}`);
  const shrink = kind === 'digits' ? tinyDigitsOptions(dataRoot) : tinyDepthOptions(dataRoot, 8, 4);
  const workDir = join(cwd, 'work_dirs', kind);
  const trained = runSegvit(cwd, 'train', CONFIGS[kind], '--work-dir', workDir, '--cfg-options', ...shrink, ...FOUR_ITERATIONS);
  expect(trained.code, trained.stderr).to.equal(0);
  const exportDir = join(cwd, `export-${kind}`);
  const exported = runSegvit(cwd, 'export', join(workDir, 'config.json'), workDir, '--out', exportDir);
  expect(exported.code, exported.stderr).to.equal(0);
  return { workDir, exportDir, checkpoint: join(workDir, 'iter_4', 'model.safetensors') };
}

export const manifestOf = (dir: string): ExportManifest => parseManifest(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), dir);

/** The trained model as `segvit predict` builds it: its work dir's config and checkpoint. */
export function trainedModel(t: TrainedExport): Segmentor {
  const cfg = validateConfig(loadConfig(join(t.workDir, 'config.json')));
  const model = registries.segmentor.build(cfg.model!, 'model').eval();
  loadWeights(model, t.checkpoint, { strict: 'model' });
  return model;
}

/** The export's first sample file, read in Node and through the manifest's test transforms. */
export async function firstSample(dir: string): Promise<PreparedImage> {
  const m = manifestOf(dir);
  const transforms = m.preprocessing.pipeline.map((t, i) => registries.transform.build(t as never, `pipeline[${i}]`));
  return prepareImage(transforms, exportMeta(m), await readImage(join(dir, m.samples[0]!)));
}

/** The model's raw output (logits or depth) on a prepared image, read. */
export function rawOutput(model: Segmentor, prepared: PreparedImage): Float32Array {
  return tf.tidy(() => modelOutput(model, prepared).dataSync() as Float32Array);
}
