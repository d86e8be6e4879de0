/** The shipped configs resolve, validate and build the models mmseg's configs describe. */
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../lib/components.js';
import { loadConfig, validateConfig } from '../lib/config/index.js';
import { registries } from '../lib/registry.js';
import { paramGroups } from '../lib/engine/optim/param-groups.js';
import type { EncoderDecoder } from '../lib/segmentors/encoder-decoder.js';
import type { All2Cross } from '../lib/backbones/hiformer.js';
import type { JsonObject } from '../lib/config/json.js';
import { readJsonFixture } from './helpers/torch-json.js';

const configs = fileURLToPath(new URL('../../configs/', import.meta.url));

/** Build the model of a config without its pretrained checkpoint (not shipped) and count its parameters. */
function parameterCount(file: string): number {
  const cfg = validateConfig(loadConfig(`${configs}${file}`, { cfgOptions: ['model.backbone.init_cfg=null'] }));
  const model = registries.segmentor.build(cfg.model!, 'model');
  const n = model.numParameters();
  model.dispose();
  return n;
}

describe('configs', function () {
  this.timeout(120000);

  it('every shipped config validates', () => {
    const files = [
      'ade20k.json',
      ...readdirSync(`${configs}swin`).map((f) => `swin/${f}`),
      ...['ade20k', 'cityscapes', 'coco_stuff10k'].flatMap((d) => readdirSync(`${configs}semask_swin/${d}`).map((f) => `semask_swin/${d}/${f}`)),
      ...readdirSync(`${configs}ftn`).map((f) => `ftn/${f}`),
      'demo/digits_swin-nano_upernet.json',
      'demo/digits_swin-stage1_fcn.json',
      'demo/digits_semask-nano_fpn.json',
      ...readdirSync(`${configs}dpt`).map((f) => `dpt/${f}`),
      'demo/digits_pgt-nano_fpt.json',
      'demo/synthetic-depth_dpt-tiny.json',
      ...readdirSync(`${configs}mswin`).filter((f) => f.endsWith('.json')).map((f) => `mswin/${f}`),
      'demo/digits_swin-nano_mswin-p.json',
      ...readdirSync(`${configs}hiformer`).map((f) => `hiformer/${f}`),
      'demo/brain_hiformer-s.json',
      ...readdirSync(`${configs}dformer`).map((f) => `dformer/${f}`),
      'demo/brain_dformer.json',
    ];
    expect(files.filter((f) => f.startsWith('mswin/'))).to.have.length(24);
    expect(files.filter((f) => f.startsWith('ftn/'))).to.have.length(7);
    expect(files.filter((f) => f.startsWith('hiformer/'))).to.have.length(4);
    expect(files.filter((f) => f.startsWith('dformer/'))).to.have.length(2);
    for (const f of files) expect(() => validateConfig(loadConfig(`${configs}${f}`)), f).to.not.throw();
  });

  it("ade20k.json is mmseg's Swin-T UPerNet 160k recipe", () => {
    const cfg = validateConfig(loadConfig(`${configs}ade20k.json`));
    expect(cfg.optim_wrapper!.optimizer).to.include({ type: 'AdamW', lr: 6e-5, weight_decay: 0.01 });
    expect(cfg.optim_wrapper!.paramwise_cfg!.custom_keys).to.deep.equal({
      absolute_pos_embed: { decay_mult: 0 },
      relative_position_bias_table: { decay_mult: 0 },
      norm: { decay_mult: 0 },
    });
    expect(cfg.param_scheduler).to.deep.include({ type: 'LinearLR', start_factor: 1e-6, by_epoch: false, begin: 0, end: 1500, end_factor: 1 });
    expect(cfg.train_cfg).to.deep.equal({ type: 'IterBasedTrainLoop', max_iters: 160000, val_interval: 16000 });
    expect(cfg.train_dataloader!.batch_size).to.equal(16);
    expect((cfg.model!.auxiliary_head as { loss_decode: { loss_weight: number } }).loss_decode.loss_weight).to.equal(0.4);
  });

  it('builds Swin-T / S / B UPerNet with mmseg parameter counts (60M / 81M / 121M)', () => {
    expect(parameterCount('ade20k.json')).to.equal(59_941_862);
    // Swin-S = Swin-T + 12 stage-3 blocks of 1,776,492 (dim 384: norms 1,536, bias table 2,028, qkv 443,520,
    // proj 147,840, fc1 591,360, fc2 590,208)
    expect(parameterCount('swin/swin-small-patch4-window7-in1k-pre_upernet_160k_ade20k-512x512.json')).to.equal(81_259_766);
    expect(parameterCount('swin/swin-base-patch4-window7-in1k-pre_upernet_160k_ade20k-512x512.json')).to.be.within(120.5e6, 121.5e6);
  });

  it('builds the local-learning Swin-T config: 4 modules, their reconstruction decoders and FCN heads', () => {
    // + recon decoders (Conv3x3 + BN, Conv3x3 + bias) 192->3->3, 384->192->192, 768->384->384: 5,274 + 995,904 +
    // 3,982,464; + FCN heads (64 channels, 150 classes) on 96, 192, 384 channels: 65,174 + 120,470 + 231,062
    expect(parameterCount('swin/swin-tiny-patch4-window7-in1k-pre_upernet_local4_ade20k-512x512.json')).to.equal(59_941_862 + 5_400_348);
  });

  describe('configs/mswin', () => {
    /** spec/fixtures/mswin/params.json: the official models' counts (tools/reference/mswin_modes.py). */
    const official = readJsonFixture<{ params: Record<string, Record<'backbone' | 'decode_head' | 'auxiliary_head' | 'total', number>> }>(
      'mswin/params.json',
    ).params;
    for (const size of ['small', 'base'] as const) {
      for (const mode of ['par', 'seq', 'crs'] as const) {
        it(`MSwin-${mode[0].toUpperCase()} with Swin-${size[0].toUpperCase()} on ADE20K has the official code's parameter counts`, () => {
          const pre = size === 'small' ? 'pretrain_224x224_1K' : 'pretrain_384x384_22K';
          const file = `mswin/mswin_${mode}_${size}_patch4_512x512_160k_ade20k_${pre}.json`;
          const cfg = validateConfig(loadConfig(`${configs}${file}`, { cfgOptions: ['model.backbone.init_cfg=null'] }));
          const model = registries.segmentor.build(cfg.model!, 'model') as EncoderDecoder;
          const counts = {
            backbone: model.backbone.numParameters(),
            decode_head: model.decodeHead.numParameters(),
            auxiliary_head: model.auxiliaryHeads[0].numParameters(),
            total: model.numParameters(),
          };
          model.dispose();
          expect(counts).to.deep.equal(official[`${mode}_${size}`]);
        });
      }
    }

    it('follow the official recipe: AdamW 6e-5, warmup 1500 then poly, FCN auxiliary head on stage 3 at 0.4, the crops', () => {
      const resolved = (f: string) => validateConfig(loadConfig(`${configs}mswin/${f}`));
      const voc = resolved('mswin_crs_base_patch4_512x512_80k_voc2012_pretrain_384x384_22K.json');
      expect(voc.optim_wrapper!.optimizer).to.include({ type: 'AdamW', lr: 6e-5, weight_decay: 0.01 });
      expect(voc.param_scheduler).to.deep.equal([
        { type: 'LinearLR', start_factor: 1e-6, by_epoch: false, begin: 0, end: 1500, end_factor: 1 },
        { type: 'PolyLR', eta_min: 0, power: 1, begin: 1500, end: 80000, by_epoch: false },
      ]);
      const model = voc.model as unknown as { decode_head: JsonObject; auxiliary_head: JsonObject; backbone: JsonObject };
      expect(model.decode_head).to.include({ type: 'MultiSwinHead', mode: 'crs', num_classes: 21, channels: 512 });
      expect(model.backbone).to.include({ embed_dims: 128, window_size: 12 });
      expect(model.auxiliary_head).to.deep.include({ in_index: 2, in_channels: 512, num_classes: 21 });
      expect((model.auxiliary_head.loss_decode as JsonObject).loss_weight).to.equal(0.4);
      const crop = (f: string) => (resolved(f).train_dataloader!.dataset as unknown as { pipeline: JsonObject[] }).pipeline.find((t) => t.type === 'RandomCrop')!.crop_size;
      expect(crop('mswin_seq_small_patch4_480x480_40k_cocostuff_pretrain_224x224_1K.json')).to.deep.equal([480, 480]);
      expect(crop('mswin_par_small_patch4_512x1024_80k_cityscapes_pretrain_224x224_1K.json')).to.deep.equal([512, 1024]);
      expect(resolved('mswin_par_small_patch4_480x480_40k_cocostuff_pretrain_224x224_1K.json').train_cfg!.max_iters).to.equal(40000);
    });
  });

  describe('configs/hiformer', () => {
    /** spec/fixtures/hiformer/reference.json: the official models' counts (tools/reference/hiformer_reference.py). */
    type Counts = Record<'total' | 'All2Cross' | 'pyramid' | 'decoder', number>;
    const official = readJsonFixture<{ params: Record<'hiformer_s' | 'hiformer_b' | 'hiformer_l', Counts> }>('hiformer/reference.json').params;
    for (const variant of ['s', 'b', 'l'] as const) {
      it(`HiFormer-${variant.toUpperCase()} on Synapse has the official code's parameter counts`, () => {
        const cfg = validateConfig(loadConfig(`${configs}hiformer/hiformer-${variant}_synapse.json`));
        const model = registries.segmentor.build(cfg.model!, 'model') as EncoderDecoder;
        const counts = {
          total: model.numParameters(),
          All2Cross: model.backbone.numParameters(),
          pyramid: (model.backbone as All2Cross).pyramid.numParameters(),
          decoder: model.decodeHead.numParameters(),
        };
        model.dispose();
        expect(counts).to.deep.equal(official[`hiformer_${variant}`]);
      });
    }

    it("follow the official recipe: SGD 0.01 / 0.9 / 1e-4, poly 0.9 over 400 epochs of 222 batches, 224², 9 classes", () => {
      const cfg = validateConfig(loadConfig(`${configs}hiformer/hiformer-l_synapse.json`));
      expect(cfg.optim_wrapper!.optimizer).to.include({ type: 'SGD', lr: 0.01, momentum: 0.9, weight_decay: 1e-4 });
      // trainer.py: max_iterations = max_epochs · len(trainloader) = 400 · ⌈2211 / 10⌉; evaluation every 20 epochs
      expect(cfg.param_scheduler).to.deep.equal([{ type: 'PolyLR', eta_min: 0, power: 0.9, begin: 0, end: 400 * 222, by_epoch: false }]);
      expect(cfg.train_cfg).to.deep.equal({ type: 'IterBasedTrainLoop', max_iters: 88800, val_interval: 20 * 222 });
      const model = cfg.model as unknown as { backbone: JsonObject; decode_head: JsonObject };
      expect(model.backbone).to.deep.include({ type: 'All2Cross', image_size: 224, in_channels: 3, cnn_backbone: 'resnet34', num_heads: [6, 6] });
      expect(model.decode_head).to.include({ type: 'HiFormerHead', num_classes: 9 });
      const train = cfg.train_dataloader!;
      expect(train.batch_size).to.equal(10);
      expect(train.dataset).to.include({ type: 'SynapseDataset', ann_file: 'lists/lists_Synapse/train.txt' });
      const types = (pipeline: unknown) => (pipeline as { type: string }[]).map((t) => t.type);
      expect(types(train.dataset.pipeline)).to.deep.equal(['LoadImageFromFile', 'LoadAnnotations', 'RandomRotFlip', 'Zoom', 'RepeatChannels']);
      expect(types(cfg.val_dataloader!.dataset.pipeline)).to.deep.equal(['LoadImageFromFile', 'Zoom', 'RepeatChannels', 'LoadAnnotations']);
      expect(cfg.val_dataloader!.dataset).to.include({ img_suffix: '.npy.h5', ann_file: 'lists/lists_Synapse/test_vol.txt' });
      expect(cfg.val_evaluator).to.include({ type: 'DiceHD95Metric' });
    });

    it('HiFormer-B on ISIC 2018 reads 0/255 masks as lesion class 1 and reports the lesion metrics', () => {
      const cfg = validateConfig(loadConfig(`${configs}hiformer/hiformer-b_isic2018.json`));
      const dataset = cfg.train_dataloader!.dataset as unknown as JsonObject;
      expect(dataset).to.deep.include({ type: 'BaseSegDataset', label_map: { 255: 1 }, seg_map_suffix: '_segmentation.png' });
      expect(dataset.ann_file).to.equal(''); // nothing left of the Synapse base's lists
      expect(cfg.val_evaluator).to.include({ type: 'BinarySegMetric' });
      expect((cfg.model as unknown as { decode_head: JsonObject }).decode_head).to.include({ num_classes: 2 });
    });

    it('take model.decode_head.num_classes from --cfg-options', () => {
      const cfg = validateConfig(loadConfig(`${configs}hiformer/hiformer-s_synapse.json`, { cfgOptions: ['model.decode_head.num_classes=4'] }));
      const model = registries.segmentor.build(cfg.model!, 'model') as EncoderDecoder;
      expect(model.decodeHead.numClasses).to.equal(4);
      expect([...model.namedState()].find(([k]) => k === 'decode_head.segmentation_head.0.bias')![1].variable.shape).to.deep.equal([4]);
      model.dispose();
    });
  });

  describe('configs/dformer', () => {
    /** spec/fixtures/dformer/reference.json: the official SegNetwork's counts (tools/reference/dformer_reference.py). */
    const official = readJsonFixture<{ params: Record<'default_9', { params: number }> }>('dformer/reference.json').params;
    const types = (pipeline: unknown) => (pipeline as { type: string }[]).map((t) => t.type);

    it("D-Former on Synapse: the official SegNetwork defaults with 9 classes, its parameter count, nnU-Net's pipeline", () => {
      const cfg = validateConfig(loadConfig(`${configs}dformer/dformer_synapse_64x128x128.json`));
      const model = registries.segmentor.build(cfg.model!, 'model');
      expect(model.numParameters()).to.equal(official.default_9.params);
      model.dispose();
      const backbone = (cfg.model as unknown as { backbone: JsonObject }).backbone;
      expect(backbone).to.deep.include({ type: 'DFormer', embed_dims: 96, depths: [2, 2, 6, 2], num_heads: [3, 6, 12, 24], patch_size: [2, 4, 4], group_size: [2, 8, 8], interval_list: [8, 4, 2, 1] });
      expect(cfg.model!.test_cfg).to.deep.include({ mode: 'slide', patch_size: [64, 128, 128] });
      const train = cfg.train_dataloader!;
      expect(train.dataset).to.include({ type: 'SynapseDataset3D', split: 'train' });
      expect(types(train.dataset.pipeline)).to.deep.equal([
        'LoadBiomedicalImageFromFile', 'LoadBiomedicalAnnotation', 'IntensityWindow', 'RandomCrop3D', 'RandomFlip3D', 'RandomRotate90',
      ]);
      expect(cfg.val_dataloader!.dataset).to.include({ type: 'SynapseDataset3D', split: 'test' });
      expect(cfg.val_evaluator).to.include({ type: 'DiceHD95Metric' });
      expect(cfg.optim_wrapper!.optimizer).to.include({ type: 'SGD', lr: 0.01, momentum: 0.99, nesterov: true });
    });

    it('D-Former on ACDC: 4 classes (background, RV, MYO, LV), 16×160×160 patches and windows', () => {
      const cfg = validateConfig(loadConfig(`${configs}dformer/dformer_acdc_16x160x160.json`));
      const model = registries.segmentor.build(cfg.model!, 'model');
      // the Synapse count less the 1×1×1 convs' 5 fewer classes: 5 · (96 + 192 + 384)
      expect(model.numParameters()).to.equal(official.default_9.params - 5 * 672);
      expect(model.decodeHead.numClasses).to.equal(4);
      model.dispose();
      expect(cfg.model!.test_cfg).to.deep.include({ mode: 'slide', patch_size: [16, 160, 160] });
      expect(cfg.train_dataloader!.dataset).to.include({ type: 'ACDCDataset' });
      expect(types(cfg.train_dataloader!.dataset.pipeline)).to.include('ZScoreNormalize');
    });
  });

  it("builds SeMask-T FPN for ADE20K with the paper's size (35M)", () => {
    const n = parameterCount('semask_swin/ade20k/semfpn_semask_swin_tiny_patch4_window7_512x512_80k_ade20k.json');
    expect(n).to.be.within(34.5e6, 35.5e6);
  });

  it('SeMask-T: global semantic attention in stages 2-3 for ADE20K (150 classes), windowed everywhere for Cityscapes (19)', () => {
    const windowing = (file: string) => {
      const cfg = validateConfig(loadConfig(`${configs}${file}`, { cfgOptions: ['model.backbone.init_cfg=null'] }));
      const model = registries.segmentor.build(cfg.model!, 'model') as unknown as {
        backbone: { layers: { items: { semanticLayer?: { windowSize: number | null } }[] } };
        dispose(): void;
      };
      const sizes = model.backbone.layers.items.map((l) => l.semanticLayer?.windowSize);
      model.dispose();
      return sizes;
    };
    expect(windowing('semask_swin/ade20k/semfpn_semask_swin_tiny_patch4_window7_512x512_80k_ade20k.json')).to.deep.equal([7, 7, null, null]);
    expect(windowing('semask_swin/cityscapes/semfpn_semask_swin_tiny_patch4_window7_768x768_80k_cityscapes.json')).to.deep.equal([7, 7, 7, 7]);
    const cfg = validateConfig(loadConfig(`${configs}semask_swin/cityscapes/semfpn_semask_swin_tiny_patch4_window7_768x768_80k_cityscapes.json`));
    expect(cfg.optim_wrapper!.optimizer).to.include({ type: 'AdamW', lr: 0.001, weight_decay: 0.05 });
  });

  it('builds DPT ViT-B/16 for ADE20K with the official DPT head sizes (111M) and the tiny depth model of the fixture', () => {
    // ViT-B 86,088,960 + reassembly 11,433,408 + layer_rn 3,317,760 + BN fusion 8,527,872 + output_conv 628,886 + auxlayer 628,886
    expect(parameterCount('dpt/dpt_vit-b16_ade20k.json')).to.equal(110_625_772);
    const cfg = validateConfig(loadConfig(`${configs}dpt/dpt_vit-b16_ade20k.json`));
    expect(cfg.optim_wrapper!.paramwise_cfg!.custom_keys).to.have.keys(['pos_embed', 'cls_token', 'norm']);
    const tiny = registries.segmentor.build(validateConfig(loadConfig(`${configs}dpt/dpt_vit-tiny_depth.json`)).model!, 'model');
    expect(tiny.constructor.name).to.equal('DepthEstimator');
    tiny.dispose();
  });

  it('depth configs: Swin-T + DPT for NYUv2 (SILog, nyu_crop, 10 m), DPT-Hybrid KITTI at 1216x352 (garg crop, 80 m), the demo', () => {
    const load = (file: string) => validateConfig(loadConfig(`${configs}${file}`));
    type Head = { task: string; reassemble: boolean[]; in_channels: number[]; loss_decode: { type: string }; invert?: boolean };
    const headOf = (c: ReturnType<typeof load>) => (c.model as unknown as { decode_head: Head }).decode_head;
    const nyu = load('dpt/dpt_swin-t_nyu.json');
    expect(nyu.model!.type).to.equal('DepthEstimator');
    expect(headOf(nyu)).to.deep.include({ task: 'depth', reassemble: [false, false, false, false], in_channels: [96, 192, 384, 768] });
    expect(headOf(nyu).loss_decode.type).to.equal('SiLogLoss');
    expect(nyu.val_evaluator).to.deep.include({ type: 'DepthMetric', max_depth_eval: 10, crop_type: 'nyu_crop' });
    expect(nyu.train_dataloader!.dataset).to.deep.include({ type: 'NYUDataset', data_prefix: { img_path: 'images/train', depth_map_path: 'annotations/train' } });
    // Swin-T with its four output norms 27,520,698 + DPT head 12,174,017: layer_rn (96+192+384+768)·256·9 = 3,317,760,
    // fusion 8,524,288 (as DPT-Base's), depth head 331,969; no reassembly weights
    expect(parameterCount('dpt/dpt_swin-t_nyu.json')).to.equal(39_694_715);
    const kitti = load('dpt/dpt_hybrid_kitti.json');
    expect(headOf(kitti)).to.deep.include({ task: 'depth', invert: true });
    expect(headOf(kitti).loss_decode.type).to.equal('SiLogLoss');
    expect(kitti.val_evaluator).to.deep.include({ type: 'DepthMetric', min_depth_eval: 0.001, max_depth_eval: 80, crop_type: 'garg_crop' });
    expect(kitti.train_dataloader!.dataset.pipeline).to.deep.include({ type: 'KBCrop', height: 352, width: 1216 });
    expect(kitti.val_dataloader!.dataset.pipeline).to.deep.include({ type: 'Resize', scale: [1216, 352], keep_ratio: false });
    expect(kitti.load_from).to.equal('pretrain/dpt_hybrid-midas-501f0c75.pt');
    const demo = load('demo/synthetic-depth_dpt-tiny.json');
    expect(headOf(demo).loss_decode.type).to.equal('SiLogLoss');
    expect(demo.train_cfg).to.deep.equal({ type: 'IterBasedTrainLoop', max_iters: 600, val_interval: 300 });
    expect(parameterCount('demo/synthetic-depth_dpt-tiny.json')).to.equal(1_676_449);
  });

  it('the quick-start demo: Swin stage 1 (two blocks, window 8) + FCNHead on its 1/4 map, 8000 scenes, 7500 iterations', () => {
    type Part = Record<string, unknown>;
    const cfg = validateConfig(loadConfig(`${configs}demo/digits_swin-stage1_fcn.json`));
    const model = cfg.model as unknown as { backbone: Part; decode_head: Part; auxiliary_head: Part | null };
    expect(model.backbone).to.deep.include({ type: 'SwinTransformer', embed_dims: 32, depths: [2], num_heads: [1], window_size: 8, out_indices: [0] });
    expect(model.decode_head).to.deep.include({ type: 'FCNHead', in_channels: 32, in_index: 0, channels: 64, num_convs: 2, concat_input: true });
    expect(model.auxiliary_head).to.equal(null);
    expect(cfg.train_dataloader!.batch_size).to.equal(4);
    expect(cfg.train_dataloader!.dataset).to.deep.include({ type: 'DigitsDataset', split: 'train', num_samples: 8000 });
    expect(cfg.train_cfg).to.deep.equal({ type: 'IterBasedTrainLoop', max_iters: 7500, val_interval: 2500 });
    expect((cfg.param_scheduler as Record<string, unknown>[])[1]).to.include({ type: 'PolyLR', begin: 100, end: 7500 });
    // Swin 27,554: patch embedding 4·4·3·32 + 32 and its LN 64; two blocks of 12,929 (LNs 2·64, qkv 3,168, proj 1,056,
    // bias table 15² = 225, MLP 4,224 + 4,128); norm0 64. FCN 111,691: 3x3 convs without bias 32->64, 64->64 and the
    // input concat 96->64, each with BN (128); conv_seg 64·11 + 11.
    expect(parameterCount('demo/digits_swin-stage1_fcn.json')).to.equal(139_245);
  });

  it("FTN configs: the port's recipe (AdamW 4e-5, lr x2 on the heads, slide 512/341) and the aux head on the 1/16 neck level", () => {
    const cfg = validateConfig(loadConfig(`${configs}ftn/ftn_pgt_tiny_512x512_160k_ade20k.json`));
    expect(cfg.optim_wrapper!.optimizer).to.include({ type: 'AdamW', lr: 4e-5, weight_decay: 0.01 });
    expect(cfg.optim_wrapper!.paramwise_cfg!.custom_keys).to.deep.equal({
      cpe: { decay_mult: 0 },
      ape: { decay_mult: 0 },
      norm: { decay_mult: 0 },
      decode_head: { lr_mult: 2 },
      auxiliary_head: { lr_mult: 2 },
    });
    expect(cfg.param_scheduler).to.deep.include({ type: 'PolyLR', eta_min: 0, power: 1, begin: 1500, end: 160000, by_epoch: false });
    expect(cfg.train_cfg).to.include({ max_iters: 160000 });
    expect(cfg.train_dataloader!.batch_size).to.equal(16);
    interface FtnModel {
      test_cfg: object;
      decode_head: { num_classes: number };
      auxiliary_head: { in_index: number; in_channels: number; num_classes: number };
    }
    const modelOf = (c: typeof cfg) => c.model as unknown as FtnModel;
    const model = modelOf(cfg);
    expect(model.test_cfg).to.deep.equal({ mode: 'slide', crop_size: [512, 512], stride: [341, 341] });
    // The port writes in_index=4 ("4: neck_s3"); with mmseg's EncoderDecoder the heads see the 3 neck outputs, where
    // the 1/16 level is index 1.
    expect(model.auxiliary_head).to.include({ in_index: 1, in_channels: 512 });
    const other = (file: string) => validateConfig(loadConfig(`${configs}ftn/${file}`));
    const pc = other('ftn_pgt_large_480x480_160k_pascal_context_59.json');
    expect(modelOf(pc).decode_head.num_classes).to.equal(59);
    expect(modelOf(pc).test_cfg).to.deep.equal({ mode: 'slide', crop_size: [480, 480], stride: [320, 320] });
    expect(pc.train_dataloader!.batch_size).to.equal(16);
    expect(modelOf(other('ftn_pgt_large_512x512_160k_coco-stuff10k.json')).auxiliary_head.num_classes).to.equal(171);
    expect((other('ftn_pgt_large_512x512_160k_celebamask-hq.json').train_dataloader!.dataset as { type: string }).type).to.equal('CelebAMaskHQDataset');
  });

  it("builds FTN-Tiny / Large for ADE20K with the PyTorch port's parameter counts (46.3M / 121.3M)", () => {
    const torch = JSON.parse(readFileSync(new URL('../../spec/fixtures/ftn/params.json', import.meta.url), 'utf8')) as {
      counts: Record<string, Record<string, number>>;
    };
    const total = (name: string) => Object.values(torch.counts[name]).reduce((a, b) => a + b, 0);
    expect(parameterCount('ftn/ftn_pgt_tiny_512x512_160k_ade20k.json')).to.equal(total('tiny')).and.to.equal(46_315_500);
    expect(parameterCount('ftn/ftn_pgt_large_512x512_160k_ade20k.json')).to.equal(total('large')).and.to.equal(121_308_844);
  });

  it('FTN parameter groups: no decay on cpe and backbone norms; head parameters at 2x lr, norms included (first key wins)', () => {
    const cfg = validateConfig(loadConfig(`${configs}demo/digits_pgt-nano_fpt.json`));
    const model = registries.segmentor.build(cfg.model!, 'model');
    const recipe = validateConfig(loadConfig(`${configs}ftn/ftn_pgt_tiny_512x512_160k_ade20k.json`)).optim_wrapper!.paramwise_cfg;
    const groups = paramGroups(model, { lr: 4e-5, weightDecay: 0.01 }, recipe);
    const of = (name: string) => groups.find((g) => g.params.some(([k]) => k === name))!;
    expect(of('backbone.stages.0.blocks.0.cpe.conv.weight')).to.include({ lr: 4e-5, weightDecay: 0 });
    expect(of('backbone.stages.1.blocks.0.norm1.weight')).to.include({ lr: 4e-5, weightDecay: 0 });
    expect(of('backbone.stages.1.blocks.0.attn.q.weight')).to.include({ lr: 4e-5, weightDecay: 0.01 });
    expect(of('neck.fpn_convs.0.conv.weight')).to.include({ lr: 4e-5, weightDecay: 0.01 });
    expect(of('decode_head.branches.0.0.0.norm1.weight')).to.include({ lr: 8e-5, weightDecay: 0.01 });
    expect(of('auxiliary_head.convs.0.bn.weight')).to.include({ lr: 8e-5, weightDecay: 0.01 });
    model.dispose();
  });
});
