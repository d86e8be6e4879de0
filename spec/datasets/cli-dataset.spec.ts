/** `segvit dataset CONFIG`, run as a user runs it (node dist/bin/segvit.js). */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOAD_SEG, Tree } from './trees.js';

const BIN = fileURLToPath(new URL('../../bin/segvit.js', import.meta.url));

function segvit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, SEGVIT_BACKEND: 'wasm' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('segvit dataset', function () {
  this.timeout(120000);
  let tree: Tree;
  beforeEach(() => (tree = new Tree()));
  afterEach(() => tree.remove());

  const config = (dataset: object): string =>
    tree.text(
      'config.json',
      JSON.stringify({
        train_dataloader: { batch_size: 1, dataset },
        val_dataloader: { batch_size: 1, dataset },
      }),
    );

  it('has --help with an example', () => {
    const { code, stdout } = segvit('dataset', '--help');
    expect(code).to.equal(0);
    expect(stdout).to.contain('Example:\n  $ segvit dataset');
  });

  it('reports every problem (bad label, missing annotation, corrupt image) and the class frequencies; exit 1', async () => {
    for (const name of ['a', 'b', 'c']) await tree.image(`img/${name}.png`, 2, 3);
    tree.text('img/d.png', 'not a png');
    tree.label('ann/a.png', [
      [0, 1, 2],
      [2, 1, 0],
    ]);
    tree.label('ann/b.png', [
      [0, 0, 0],
      [0, 7, 7],
    ]);
    tree.label('ann/d.png', [
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const file = config({
      type: 'BaseSegDataset',
      data_root: tree.root,
      data_prefix: { img_path: 'img', seg_map_path: 'ann' },
      img_suffix: '.png',
      metainfo: { classes: ['bg', 'cat', 'dog'] },
      pipeline: LOAD_SEG,
    });
    const { code, stdout, stderr } = segvit('dataset', file);
    expect(code).to.equal(1);
    const ann = (name: string) => join(tree.root, 'ann', `${name}.png`);
    const img = (name: string) => join(tree.root, 'img', `${name}.png`);
    const lines = stdout.split('\n');
    expect(lines.slice(0, 6)).to.deep.equal([
      'train_dataloader.dataset (BaseSegDataset): 4 samples, 3 annotations read',
      '  class pixel frequencies (% of 16 labelled pixels):',
      '    0  bg    75.00%',
      '    1  cat   12.50%',
      '    2  dog   12.50%',
      '  ignore_index 255: 0.00% of all pixels',
    ]);
    expect(lines[6]).to.equal('  3 problem(s):');
    expect(lines.slice(7, 10)).to.have.members([
      `    ${ann('b')}: label value 7 is not a class id (0..2) nor ignore_index 255 — reduce_zero_label (now false)? ` +
        'label_map? 3 classes in metainfo.classes?',
      `    ${ann('c')}: missing annotation of image ${img('c')}`,
      lines.slice(7, 10).find((line) => line.startsWith(`    ${img('d')}: cannot decode image (`))!,
    ]);
    expect(lines[10]).to.equal('val_dataloader.dataset: same as train_dataloader.dataset');
    expect(stderr).to.equal(`segvit: 3 problem(s) found in the datasets of ${file}\n`);
  });

  it('passes a clean dataset with exit code 0 and shows progress on long ones', () => {
    const file = config({ type: 'DigitsDataset', data_root: join(tree.root, 'digits'), split: 'val' });
    const { code, stdout, stderr } = segvit('dataset', file);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/^train_dataloader\.dataset \(DigitsDataset\): 300 samples, 300 annotations read\n/);
    expect(stdout).to.contain('    0  background');
    expect(stdout).to.contain('  no problem found');
    expect(stderr).to.contain('train_dataloader.dataset: 30/300\n');
    expect(stderr).to.contain('train_dataloader.dataset: 300/300\n');
  });

  it('reports a dataset that cannot be listed, and a config without dataloaders', () => {
    const file = config({ type: 'BaseSegDataset', data_root: tree.root, metainfo: { classes: ['bg'] } });
    const listed = segvit('dataset', file);
    expect(listed.code).to.equal(1);
    expect(listed.stdout).to.equal(
      [
        'train_dataloader.dataset (BaseSegDataset): cannot be listed',
        '  1 problem(s):',
        `    train_dataloader.dataset: no image ending in '.jpg' below ${tree.root} (img_suffix?)`,
        'val_dataloader.dataset: same as train_dataloader.dataset',
        '',
      ].join('\n'),
    );
    const empty = segvit('dataset', tree.text('empty.json', '{}'));
    expect(empty.code).to.equal(1);
    expect(empty.stderr).to.equal('segvit: the config has no train_dataloader, val_dataloader or test_dataloader\n');
  });
});
