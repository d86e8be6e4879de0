import { expect } from 'chai';
import { ConfigError } from '../../lib/config/errors.js';
import type { JsonObject } from '../../lib/config/json.js';
import { applyCfgOptions, parseCfgOption, parseCfgValue } from '../../lib/config/options.js';

describe('config/options', () => {
  describe('parseCfgValue', () => {
    const cases: [raw: string, value: unknown][] = [
      ['0.01', 0.01],
      ['-3', -3],
      ['6e-5', 6e-5],
      ['true', true],
      ['False', false],
      ['null', null],
      ['None', null],
      ['"quoted, with comma"', 'quoted, with comma'],
      ['whole', 'whole'],
      ['work_dirs/swin tiny', 'work_dirs/swin tiny'],
      ['[1,2]', [1, 2]],
      ['[512, 512]', [512, 512]],
      ['1,2', [1, 2]],
      ['(512,512)', [512, 512]],
      ['(1,)', [1]],
      ['[mIoU,mDice]', ['mIoU', 'mDice']],
      ['[(1,2),(3,4)]', [[1, 2], [3, 4]]],
      ['a,[1,2],True', ['a', [1, 2], true]],
      ['{"x":1,"y":[2]}', { x: 1, y: [2] }],
      ['[1,2', '[1,2'],
      ['', ''],
    ];
    for (const [raw, value] of cases) {
      it(`parses ${JSON.stringify(raw)}`, () => expect(parseCfgValue(raw)).to.deep.equal(value));
    }
  });

  describe('parseCfgOption', () => {
    it('splits the dotted key and parses the value', () => {
      expect(parseCfgOption('model.decode_head.num_classes=150')).to.deep.equal({
        text: 'model.decode_head.num_classes=150',
        keys: ['model', 'decode_head', 'num_classes'],
        value: 150,
      });
      expect(parseCfgOption('a.b=x=y').value).to.equal('x=y');
    });

    it('rejects options that are not key=value', () => {
      expect(() => parseCfgOption('foo')).to.throw(ConfigError, "--cfg-options 'foo': expected key=value");
      expect(() => parseCfgOption('=1')).to.throw(ConfigError, "--cfg-options '=1': expected key=value");
      expect(() => parseCfgOption('a..b=1')).to.throw(
        ConfigError,
        "--cfg-options 'a..b=1': empty key in the dotted path",
      );
      expect(() => parseCfgOption('__proto__.x=1')).to.throw(ConfigError, "'__proto__' is not a config key");
    });
  });

  describe('applyCfgOptions', () => {
    const base = (): JsonObject => ({
      model: {
        backbone: { type: 'SwinTransformer', depths: [2, 2, 6, 2] },
        auxiliary_head: [{ type: 'FCNHead', loss_weight: 0.4 }, { type: 'FCNHead', loss_weight: 0.4 }],
      },
      train_dataloader: {
        dataset: { pipeline: [{ type: 'LoadImageFromFile' }, { type: 'RandomResize', scale: [2048, 512] }] },
      },
      work_dir: 'out',
    });

    it('sets scalars, lists and strings at dotted paths, creating missing dicts', () => {
      const cfg = applyCfgOptions(base(), [
        'model.backbone.depths=[2,2,18,2]',
        'model.backbone.window_size=12',
        'work_dir=work_dirs/swin',
        'optim_wrapper.optimizer.lr=6e-5',
        'randomness.deterministic=true',
      ]);
      expect(cfg.model).to.have.nested.property('backbone.depths').that.deep.equals([2, 2, 18, 2]);
      expect(cfg.model).to.have.nested.property('backbone.window_size', 12);
      expect(cfg.work_dir).to.equal('work_dirs/swin');
      expect(cfg.optim_wrapper).to.deep.equal({ optimizer: { lr: 6e-5 } });
      expect(cfg.randomness).to.deep.equal({ deterministic: true });
    });

    it('indexes lists with numeric segments', () => {
      const cfg = applyCfgOptions(base(), [
        'model.auxiliary_head.1.loss_weight=0.2',
        'train_dataloader.dataset.pipeline.1.scale=[512,512]',
      ]);
      expect(cfg).to.have.nested.property('model.auxiliary_head[0].loss_weight', 0.4);
      expect(cfg).to.have.nested.property('model.auxiliary_head[1].loss_weight', 0.2);
      expect(cfg).to.have.deep.nested.property('train_dataloader.dataset.pipeline[1].scale', [512, 512]);
    });

    it('merges a dict value into the dict it lands on, unless it says _delete_', () => {
      const merged = applyCfgOptions(base(), ['model.backbone={"depths":[2,2],"embed_dims":64}']);
      expect(merged.model).to.deep.include({ backbone: { type: 'SwinTransformer', depths: [2, 2], embed_dims: 64 } });
      const replaced = applyCfgOptions(base(), ['model.backbone={"_delete_":true,"type":"VisionTransformer"}']);
      expect(replaced.model).to.deep.include({ backbone: { type: 'VisionTransformer' } });
    });

    it('leaves the input untouched', () => {
      const cfg = base();
      applyCfgOptions(cfg, ['model.auxiliary_head.0.loss_weight=1', 'work_dir=x']);
      expect(cfg).to.deep.equal(base());
    });

    it('names the option when the path does not fit the config', () => {
      expect(() => applyCfgOptions(base(), ['model.auxiliary_head.2.loss_weight=0.2'])).to.throw(
        ConfigError,
        "--cfg-options 'model.auxiliary_head.2.loss_weight=0.2': " +
          "model.auxiliary_head is a list of 2; '2' is not an index into it",
      );
      expect(() => applyCfgOptions(base(), ['model.auxiliary_head.x=1'])).to.throw(
        ConfigError,
        "model.auxiliary_head is a list of 2; 'x' is not an index into it",
      );
      expect(() => applyCfgOptions(base(), ['work_dir.sub=1'])).to.throw(
        ConfigError,
        `--cfg-options 'work_dir.sub=1': work_dir is string "out", not a dict or list`,
      );
    });
  });
});
