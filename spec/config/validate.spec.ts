import { expect } from 'chai';
import { ConfigError } from '../../lib/config/errors.js';
import type { JsonObject } from '../../lib/config/json.js';
import { validateConfig } from '../../lib/config/validate.js';
import { testRegistries } from './test-registries.js';

const registries = testRegistries();

/** A complete, valid config in mmseg 1.x shape (a fresh copy each call). */
function validConfig(): JsonObject {
  return {
    model: {
      type: 'EncoderDecoder',
      backbone: { type: 'SwinTransformer', embed_dims: 96, depths: [2, 2, 6, 2] },
      decode_head: { type: 'UPerHead', in_channels: [96, 192, 384, 768], channels: 512, num_classes: 150 },
      auxiliary_head: { type: 'FCNHead', in_channels: 384, channels: 256, num_classes: 150 },
    },
    train_dataloader: {
      batch_size: 2,
      num_workers: 4,
      sampler: { type: 'InfiniteSampler', shuffle: true },
      dataset: {
        type: 'ADE20KDataset',
        data_root: 'data/ade/ADEChallengeData2016',
        pipeline: [{ type: 'LoadImageFromFile' }, { type: 'RandomCrop', crop_size: [512, 512], cat_max_ratio: 0.75 }],
      },
    },
    val_evaluator: { type: 'IoUMetric', iou_metrics: ['mIoU'] },
    optim_wrapper: {
      optimizer: { type: 'AdamW', lr: 6e-5, betas: [0.9, 0.999], weight_decay: 0.01 },
      paramwise_cfg: { custom_keys: { absolute_pos_embed: { decay_mult: 0 }, norm: { decay_mult: 0 } } },
    },
    param_scheduler: [
      { type: 'LinearLR', start_factor: 1e-6, by_epoch: false, begin: 0, end: 1500 },
      { type: 'PolyLR', eta_min: 0, power: 1, begin: 1500, end: 160000, by_epoch: false },
    ],
    train_cfg: { type: 'IterBasedTrainLoop', max_iters: 160000, val_interval: 16000 },
    val_cfg: { type: 'ValLoop' },
    default_hooks: { logger: { interval: 50 }, checkpoint: { interval: 16000, max_keep_ckpts: 3, save_best: 'mIoU' } },
    randomness: { seed: 0 },
    work_dir: 'work_dirs/swin',
    backend: 'auto',
  };
}

/** `validConfig()` with `edit` applied, validated; returns the ConfigError it throws. */
function problemWith(edit: (cfg: JsonObject & Record<string, any>) => void): ConfigError {
  const cfg = validConfig() as JsonObject & Record<string, any>;
  edit(cfg);
  try {
    validateConfig(cfg, registries);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).not.to.include('\n');
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config/validate', () => {
  it('accepts a full mmseg-style config and fills in schema defaults', () => {
    const cfg = validateConfig(validConfig(), registries);
    expect(cfg.model?.backbone).to.deep.include({ window_size: 7, num_heads: [3, 6, 12, 24], drop_path_rate: 0.1 });
    expect(cfg.model?.decode_head).to.deep.include({ ignore_index: 255 });
    expect(cfg.train_dataloader?.dataset).to.have.nested.property('pipeline[1].cat_max_ratio', 0.75);
    expect(cfg.optim_wrapper).to.deep.include({ type: 'OptimWrapper', accumulative_counts: 1 });
    expect(cfg.param_scheduler).to.have.nested.property('[1].by_epoch', false);
    expect(cfg.default_hooks?.logger).to.deep.equal({ type: 'LoggerHook', interval: 50 });
    expect(cfg.default_hooks?.checkpoint?.type).to.equal('CheckpointHook');
    expect(cfg.randomness).to.deep.equal({ seed: 0, deterministic: false });
    expect(cfg.load_from).to.equal(null);
    expect(cfg.resume).to.equal(false);
  });

  it('accepts an empty config', () => {
    expect(validateConfig({}, registries)).to.deep.equal({ load_from: null, resume: false });
  });

  it('reports a wrong type at the full path, on one line', () => {
    const err = problemWith((cfg) => (cfg.model.decode_head.channels = 'wide'));
    expect(err.message).to.equal('model.decode_head.channels: must be integer');
    expect(err.problems).to.deep.equal([{ path: 'model.decode_head.channels', reason: 'must be integer' }]);
  });

  it('reports an unknown key with the closest known key', () => {
    const err = problemWith((cfg) => {
      delete cfg.model.backbone.embed_dims;
      cfg.model.backbone.embed_dim = 128;
    });
    expect(err.message).to.equal("model.backbone: unknown key 'embed_dim' (did you mean 'embed_dims'?)");
    expect(problemWith((cfg) => (cfg.modle = {})).message).to.equal(
      "config: unknown key 'modle' (did you mean 'model'?)",
    );
    expect(problemWith((cfg) => (cfg.train_dataloader.dataset.colour = 1)).message).to.equal(
      "train_dataloader.dataset: unknown key 'colour'",
    );
  });

  it('reports bounds, enums, required keys and nullable values', () => {
    expect(problemWith((cfg) => (cfg.optim_wrapper.optimizer.lr = -1)).message).to.equal(
      'optim_wrapper.optimizer.lr: must be >= 0',
    );
    expect(problemWith((cfg) => (cfg.train_dataloader.batch_size = 0)).message).to.equal(
      'train_dataloader.batch_size: must be >= 1',
    );
    expect(problemWith((cfg) => (cfg.backend = 'gpu')).message).to.equal(
      "backend: must be one of 'tensorflow', 'wasm', 'cpu', 'auto'",
    );
    expect(problemWith((cfg) => delete cfg.train_cfg.max_iters).message).to.equal(
      "train_cfg: missing required key 'max_iters'",
    );
    expect(problemWith((cfg) => (cfg.train_cfg.type = 'EpochBasedTrainLoop')).message).to.equal(
      "train_cfg.type: must be 'IterBasedTrainLoop'",
    );
    expect(problemWith((cfg) => (cfg.load_from = 3)).message).to.equal('load_from: must be string or null');
    expect(problemWith((cfg) => (cfg.optim_wrapper.clip_grad = { norm_type: 2 })).message).to.equal(
      "optim_wrapper.clip_grad: missing required key 'max_norm'",
    );
    expect(problemWith((cfg) => (cfg.optim_wrapper.paramwise_cfg.custom_keys.norm.decay_mul = 0)).message).to.equal(
      "optim_wrapper.paramwise_cfg.custom_keys.norm: unknown key 'decay_mul' (did you mean 'decay_mult'?)",
    );
  });

  it('accepts clip_grad null or a dict, filling norm_type', () => {
    const off = validConfig() as Record<string, any>;
    off.optim_wrapper.clip_grad = null;
    expect(validateConfig(off, registries).optim_wrapper?.clip_grad).to.equal(null);
    const on = validConfig() as Record<string, any>;
    on.optim_wrapper.clip_grad = { max_norm: 1 };
    expect(validateConfig(on, registries).optim_wrapper?.clip_grad).to.deep.equal({ max_norm: 1, norm_type: 2 });
  });

  it('reports an unknown component type at its path, with the registered types and a suggestion', () => {
    const err = problemWith((cfg) => (cfg.model.backbone.type = 'SwinTransformerX'));
    expect(err.message).to.equal(
      "model.backbone.type: unknown backbone 'SwinTransformerX' (did you mean 'SwinTransformer'?); " +
        'registered: SwinTransformer, VisionTransformer',
    );
    expect(problemWith((cfg) => (cfg.val_evaluator.type = 'Accuracy')).message).to.equal(
      "val_evaluator.type: unknown metric 'Accuracy'; registered: IoUMetric",
    );
  });

  it('reports a component without a type, or that is not a dict', () => {
    expect(problemWith((cfg) => delete cfg.model.decode_head.type).message).to.equal(
      "model.decode_head: missing required key 'type' (registered heads: FCNHead, UPerHead)",
    );
    expect(problemWith((cfg) => (cfg.model.backbone = 'SwinTransformer')).message).to.equal(
      'model.backbone: must be a backbone config object',
    );
  });

  it('follows lists of components: auxiliary_head, param_scheduler, a pipeline', () => {
    const aux = problemWith((cfg) => {
      cfg.model.auxiliary_head = [
        { type: 'FCNHead', channels: 256, num_classes: 150 },
        {
          type: 'FCNHead',
          channels: 256,
          num_classes: 150,
          loss_decode: { type: 'CrossEntropyLoss', loss_weight: 'x' },
        },
      ];
    });
    expect(aux.message).to.equal('model.auxiliary_head.1.loss_decode.loss_weight: must be number');
    expect(problemWith((cfg) => (cfg.param_scheduler[1].power = '1')).message).to.equal(
      'param_scheduler.1.power: must be number',
    );
    expect(problemWith((cfg) => (cfg.param_scheduler = { type: 'PolyLR', begin: -1 })).message).to.equal(
      'param_scheduler.begin: must be >= 0',
    );
    expect(problemWith((cfg) => (cfg.train_dataloader.dataset.pipeline[1].type = 'RandomCorp')).message).to.equal(
      "train_dataloader.dataset.pipeline.1.type: unknown transform 'RandomCorp' (did you mean 'RandomCrop'?); " +
        'registered: LoadImageFromFile, RandomCrop',
    );
  });

  it('fills defaults inside a list of components', () => {
    const cfg = validConfig() as Record<string, any>;
    cfg.model.auxiliary_head = [
      { type: 'FCNHead', channels: 256, num_classes: 150, loss_decode: { type: 'CrossEntropyLoss' } },
      { type: 'FCNHead', channels: 64, num_classes: 150 },
    ];
    const checked = validateConfig(cfg, registries);
    expect(checked).to.have.nested.property('model.auxiliary_head[0].loss_decode.loss_weight', 1);
    expect(checked).to.have.nested.property('model.auxiliary_head[1].ignore_index', 255);
  });

  it('collects every problem, the first one in the message', () => {
    const err = problemWith((cfg) => {
      cfg.model.decode_head.channels = 1.5;
      cfg.train_cfg.max_iters = 0;
      cfg.resume = 'yes';
    });
    expect(err.problems.map((p) => `${p.path}: ${p.reason}`)).to.have.members([
      'model.decode_head.channels: must be integer',
      'train_cfg.max_iters: must be >= 1',
      'resume: must be boolean',
    ]);
    expect(err.message).to.equal(`${err.problems[0].path}: ${err.problems[0].reason}`);
  });

  it('uses the global registries by default', () => {
    expect(() => validateConfig({ model: { type: 'NoSuchSegmentor' } })).to.throw(
      ConfigError,
      "model.type: unknown segmentor 'NoSuchSegmentor'",
    );
  });
});
