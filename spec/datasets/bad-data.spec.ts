/** Bad data gets a clear error naming the file(s): missing annotations, corrupt images, sizes that differ. */
import { expect } from 'chai';
import { join } from 'node:path';
import { DataFileError, MissingAnnotationError } from '../../datasets/errors.js';
import { build, load, LOAD_SEG, rejection, thrown, Tree } from './trees.js';

describe('datasets: bad data', () => {
  let tree: Tree;
  beforeEach(() => (tree = new Tree()));
  afterEach(() => tree.remove());

  const cfg = () => ({
    type: 'BaseSegDataset',
    data_root: tree.root,
    data_prefix: { img_path: 'img', seg_map_path: 'ann' },
    img_suffix: '.png',
    metainfo: { classes: ['bg', 'fg'] },
    pipeline: LOAD_SEG,
  });

  it('a missing annotation is an error naming both paths', async () => {
    await tree.image('img/a.png');
    await tree.image('img/b.png');
    tree.label('ann/a.png', [
      [0, 1, 0],
      [1, 0, 1],
    ]);
    const ds = build(cfg());
    expect((await load(ds, 0)).gtSegMap).to.not.equal(undefined);
    const err = await rejection(load(ds, 1));
    expect(err).to.be.instanceOf(MissingAnnotationError);
    expect(err.message).to.equal(`${join(tree.root, 'ann/b.png')}: missing annotation of image ${join(tree.root, 'img/b.png')}`);
  });

  it('no annotation at all fails when the dataset is built, naming the options to check', async () => {
    await tree.image('img/a.png');
    tree.label('ann/a_mask.png', [[0, 0, 0]]);
    expect(thrown(() => build(cfg())).message).to.equal(
      `train_dataloader.dataset: no annotation found for any of the 1 images, e.g. ${join(tree.root, 'ann/a.png')} ` +
        `for ${join(tree.root, 'img/a.png')}: check data_prefix.seg_map_path and seg_map_suffix`,
    );
  });

  it('a corrupt image is an error naming it', async () => {
    tree.text('img/a.png', 'garbage');
    tree.label('ann/a.png', [[0]]);
    const err = await rejection(load(build(cfg()), 0));
    expect(err).to.be.instanceOf(DataFileError);
    expect(err.message).to.match(new RegExp(`^${join(tree.root, 'img/a.png')}: cannot decode image \\(.+\\)$`));
  });

  it('an annotation of another size than its image is an error naming both', async () => {
    await tree.image('img/a.png', 2, 3);
    tree.label('ann/a.png', [[0, 1]]);
    const err = await rejection(load(build(cfg()), 0));
    expect(err.message).to.equal(`${join(tree.root, 'ann/a.png')}: annotation is 2x1 but image ${join(tree.root, 'img/a.png')} is 3x2`);
  });

  it('a colour label image is an error naming it and the fix', async () => {
    await tree.image('img/a.png', 1, 1);
    tree.rgbPng('ann/a.png', [[[255, 0, 0]]]);
    expect((await rejection(load(build(cfg()), 0))).message).to.contain('labels must be single-channel class ids');
  });
});
