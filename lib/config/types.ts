/** The shape of a validated config (mmseg 1.x key names), as `schema.ts` describes it, defaults filled in. */
import type { JsonObject } from './json.js';

/** A component: its registered `type` and its options (`{"type": "SwinTransformer", "embed_dims": 96}`). */
export interface ComponentConfig extends JsonObject {
  type: string;
}

export interface DataLoaderConfig {
  batch_size: number;
  num_workers: number;
  shuffle?: boolean;
  sampler?: JsonObject;
  dataset: ComponentConfig;
}

/** Per-parameter multipliers: parameters whose name contains a `custom_keys` key get its multipliers. */
export interface ParamwiseConfig {
  custom_keys?: Record<string, { lr_mult?: number; decay_mult?: number }>;
  norm_decay_mult?: number;
  bias_decay_mult?: number;
}

export interface ClipGradConfig {
  max_norm: number;
  norm_type: number;
}

export interface OptimWrapperConfig {
  type: string;
  optimizer: ComponentConfig;
  paramwise_cfg?: ParamwiseConfig;
  clip_grad?: ClipGradConfig | null;
  accumulative_counts: number;
}

export interface TrainLoopConfig {
  type: 'IterBasedTrainLoop';
  max_iters: number;
  val_interval: number;
}

export interface DefaultHooksConfig {
  logger?: { type: 'LoggerHook'; interval: number };
  checkpoint?: { type: 'CheckpointHook'; interval: number; max_keep_ckpts?: number; save_best?: string };
}

export interface RandomnessConfig {
  seed: number;
  deterministic: boolean;
}

export type BackendChoice = 'tensorflow' | 'wasm' | 'cpu' | 'auto';

export interface SegvitConfig {
  model?: ComponentConfig;
  train_dataloader?: DataLoaderConfig;
  val_dataloader?: DataLoaderConfig;
  test_dataloader?: DataLoaderConfig;
  val_evaluator?: ComponentConfig;
  test_evaluator?: ComponentConfig;
  optim_wrapper?: OptimWrapperConfig;
  param_scheduler?: ComponentConfig | ComponentConfig[];
  train_cfg?: TrainLoopConfig;
  val_cfg?: { type: 'ValLoop' };
  test_cfg?: { type: 'TestLoop' };
  default_hooks?: DefaultHooksConfig;
  randomness?: RandomnessConfig;
  work_dir?: string;
  load_from: string | null;
  resume: boolean;
  backend?: BackendChoice;
}
