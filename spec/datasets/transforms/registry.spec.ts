import { expect } from 'chai';
import { ConfigError } from '../../../lib/config/errors.js';
import type { ComponentConfig } from '../../../lib/config/types.js';
import { registries } from '../../../lib/registry.js';
import {
  KBCrop,
  Normalize,
  Pad,
  PhotoMetricDistortion,
  RandomCrop,
  RandomFlip,
  RandomResize,
  Resize,
} from '../../../datasets/transforms/index.js';

/** The transforms of `configs`, built as the `pipeline` of the dataset at config path `path`. */
const buildPipeline = (configs: ComponentConfig[], path: string) =>
  configs.map((cfg, i) => registries.transform.build(cfg, `${path}.pipeline.${i}`));

describe('transforms: registry', () => {
  it('registers every transform under its mmseg name', () => {
    const types = ['Resize', 'RandomResize', 'RandomCrop', 'RandomFlip', 'PhotoMetricDistortion', 'Normalize', 'Pad'];
    for (const type of [...types, 'KBCrop']) {
      expect(registries.transform.has(type), type).to.equal(true);
    }
  });

  it("builds mmseg's ADE20K train pipeline from its config, defaults filled in", () => {
    const pipeline = buildPipeline(
      [
        { type: 'RandomResize', scale: [2048, 512], ratio_range: [0.5, 2.0], keep_ratio: true },
        { type: 'RandomCrop', crop_size: [512, 512], cat_max_ratio: 0.75 },
        { type: 'RandomFlip', prob: 0.5 },
        { type: 'PhotoMetricDistortion' },
        { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true },
        { type: 'Pad', size: 512, pad_val: 0, seg_pad_val: 255 },
        { type: 'Resize', scale: [2048, 512], keep_ratio: true },
        { type: 'KBCrop' },
      ],
      'train_dataloader.dataset',
    );
    const [resize, crop, flip, pmd, norm, pad, test, kb] = pipeline;
    expect(resize).to.be.instanceOf(RandomResize).and.to.include({ keepRatio: true });
    expect((resize as RandomResize).ratioRange).to.deep.equal([0.5, 2]);
    expect(crop).to.be.instanceOf(RandomCrop).and.to.include({ catMaxRatio: 0.75, ignoreIndex: 255 });
    expect(flip).to.be.instanceOf(RandomFlip).and.to.include({ prob: 0.5, direction: 'horizontal' });
    expect(pmd).to.be.instanceOf(PhotoMetricDistortion).and.to.include({ brightnessDelta: 32, hueDelta: 18 });
    expect((pmd as PhotoMetricDistortion).contrastRange).to.deep.equal([0.5, 1.5]);
    expect(norm).to.be.instanceOf(Normalize).and.to.include({ toRgb: true });
    expect((pad as Pad).size).to.deep.equal([512, 512]);
    expect(test).to.be.instanceOf(Resize).and.to.include({ keepRatio: true });
    expect(kb).to.be.instanceOf(KBCrop).and.to.include({ height: 352, width: 1216 });
  });

  it('reports bad options with their config path', () => {
    const at = (cfg: { type: string; [k: string]: unknown }) => () =>
      buildPipeline([cfg as ComponentConfig], 'dataset');
    expect(at({ type: 'RandomCrop', crop_size: [512, 0] })).to.throw(ConfigError, 'dataset.pipeline.0.crop_size');
    expect(at({ type: 'RandomFlip' })).to.throw(ConfigError, "dataset.pipeline.0: missing required key 'prob'");
    expect(at({ type: 'RandomResize', scale: [2048, 512], ratio_range: [2, 0.5] })).to.throw(
      ConfigError,
      'dataset.pipeline.0.ratio_range: must be [min, max], got [2, 0.5]',
    );
    expect(at({ type: 'Pad', size: [4, 4], size_divisor: 32 })).to.throw(
      ConfigError,
      'dataset.pipeline.0: give exactly one of size and size_divisor',
    );
    expect(at({ type: 'Normalize', mean: [1, 2, 3], std: [1, 2] })).to.throw(
      ConfigError,
      'dataset.pipeline.0.std: must have 3 values',
    );
    const diagonal = at({ type: 'RandomFlip', prob: 0.5, direction: 'diagonal' });
    expect(diagonal).to.throw(ConfigError, 'dataset.pipeline.0.direction');
  });
});
