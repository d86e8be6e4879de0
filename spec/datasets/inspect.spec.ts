import { expect } from 'chai';
import { inspectDataset, inspectOptions } from '../../datasets/inspect.js';
import type { JsonObject } from '../../lib/config/json.js';
import { build, LOAD_DEPTH, Tree } from './trees.js';

describe('datasets/inspect', () => {
  let tree: Tree;
  beforeEach(() => (tree = new Tree()));
  afterEach(() => tree.remove());

  it("takes the pipeline's reduce_zero_label and depth_rescale_factor overrides", () => {
    const pipeline: JsonObject[] = [
      { type: 'LoadImageFromFile' },
      { type: 'LoadAnnotations', reduce_zero_label: true },
      { type: 'LoadDepthAnnotation', depth_rescale_factor: 0.5 },
    ];
    expect(inspectOptions({ type: 'X', pipeline })).to.deep.equal({ reduceZeroLabel: true, depthRescaleFactor: 0.5 });
    expect(inspectOptions({ type: 'X' })).to.deep.equal({});
  });

  it('counts class pixels with the override applied', async () => {
    await tree.image('img/a.png', 1, 3);
    tree.label('ann/a.png', [[0, 1, 3]]);
    const ds = build({
      type: 'BaseSegDataset',
      data_root: tree.root,
      data_prefix: { img_path: 'img', seg_map_path: 'ann' },
      img_suffix: '.png',
      metainfo: { classes: ['a', 'b', 'c'] },
    });
    const report = await inspectDataset(ds, { reduceZeroLabel: true });
    expect(report).to.deep.include({ samples: 1, annotated: 1, classPixels: [1, 0, 1], ignoredPixels: 1, invalidPixels: 0, problems: [] });
  });

  it('summarises depth maps: measured share, range, values beyond max_depth', async () => {
    await tree.image('images/a.jpg', 2, 2);
    tree.depth('annotations/a.png', [
      [0, 500],
      [12000, 3000],
    ]);
    const ds = build({ type: 'NYUDataset', data_root: tree.root, pipeline: LOAD_DEPTH });
    const done: number[] = [];
    const report = await inspectDataset(ds, { onProgress: (n) => done.push(n) });
    expect(report.depth).to.deep.equal({ validPixels: 3, invalidPixels: 1, min: 0.5, max: 12, beyondMax: 1 });
    expect(report.problems).to.deep.equal([]);
    expect(done).to.deep.equal([1]);
  });
});
