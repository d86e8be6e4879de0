import { expect } from 'chai';
import { loadConfig } from '../../lib/config/load.js';
import { ConfigError } from '../../lib/config/errors.js';
import { TempTree } from './temp-files.js';

/** The ConfigError that `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Run `fn` with the working directory set to `dir`. */
function inDir<T>(dir: string, fn: () => T): T {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return fn();
  } finally {
    process.chdir(previous);
  }
}

describe('config/load', () => {
  let tree: TempTree;
  afterEach(() => tree.remove());

  it('loads a file without bases as it is', () => {
    tree = new TempTree({ 'a.json': { work_dir: 'out', model: { type: 'EncoderDecoder' } } });
    expect(loadConfig(tree.path('a.json'))).to.deep.equal({ work_dir: 'out', model: { type: 'EncoderDecoder' } });
  });

  it('resolves multi-level _base_ chains with paths relative to each file, in order, child last', () => {
    tree = new TempTree({
      'configs/_base_/models/upernet.json': {
        model: {
          type: 'EncoderDecoder',
          backbone: { type: 'ResNet' },
          decode_head: { channels: 512, num_classes: 19 },
        },
      },
      'configs/_base_/models/upernet_swin.json': {
        _base_: 'upernet.json',
        model: { backbone: { _delete_: true, type: 'SwinTransformer', embed_dims: 96 } },
      },
      'configs/_base_/datasets/ade20k.json': {
        train_dataloader: { batch_size: 4 },
        model: { decode_head: { num_classes: 150 } },
      },
      'configs/_base_/schedules/schedule_160k.json': {
        train_cfg: { max_iters: 160000 },
        train_dataloader: { batch_size: 8 },
      },
      'configs/swin/upernet_swin_tiny.json': {
        _base_: [
          '../_base_/models/upernet_swin.json',
          '../_base_/datasets/ade20k.json',
          '../_base_/schedules/schedule_160k.json',
        ],
        train_dataloader: { batch_size: 2 },
      },
    });
    expect(loadConfig(tree.path('configs/swin/upernet_swin_tiny.json'))).to.deep.equal({
      model: {
        type: 'EncoderDecoder',
        backbone: { type: 'SwinTransformer', embed_dims: 96 },
        decode_head: { channels: 512, num_classes: 150 },
      },
      train_dataloader: { batch_size: 2 },
      train_cfg: { max_iters: 160000 },
    });
  });

  it('loads a base shared by two branches (diamond) without calling it a cycle', () => {
    tree = new TempTree({
      'common.json': { a: 1 },
      'left.json': { _base_: 'common.json', b: 2 },
      'right.json': { _base_: './common.json', c: 3 },
      'top.json': { _base_: ['left.json', 'right.json'] },
    });
    expect(loadConfig(tree.path('top.json'))).to.deep.equal({ a: 1, b: 2, c: 3 });
  });

  it('names the file and the missing base, relative to the working directory', () => {
    tree = new TempTree({ 'configs/ade20k.json': { _base_: ['_base_/models/nope.json'] } });
    const err = inDir(tree.dir, () => configError(() => loadConfig('configs/ade20k.json')));
    expect(err.message).to.equal("configs/ade20k.json: _base_ 'configs/_base_/models/nope.json' not found");
  });

  it('names a missing config file', () => {
    tree = new TempTree({});
    const err = inDir(tree.dir, () => configError(() => loadConfig('configs/none.json')));
    expect(err.message).to.equal('configs/none.json: file not found');
  });

  it('detects _base_ cycles and shows the loop', () => {
    tree = new TempTree({
      'a.json': { _base_: 'b.json' },
      'b.json': { _base_: 'c.json' },
      'c.json': { _base_: 'a.json' },
      'self.json': { _base_: 'self.json' },
    });
    inDir(tree.dir, () => {
      expect(configError(() => loadConfig('a.json')).message).to.equal(
        'c.json: _base_ cycle: a.json -> b.json -> c.json -> a.json',
      );
      expect(configError(() => loadConfig('self.json')).message).to.equal(
        'self.json: _base_ cycle: self.json -> self.json',
      );
    });
  });

  it('names the file, line and column of a JSON syntax error, in a base too', () => {
    tree = new TempTree({
      'configs/bad.json': '{\n  "model": {\n    "type": "EncoderDecoder",\n  }\n}\n',
      'configs/child.json': { _base_: 'bad.json' },
    });
    inDir(tree.dir, () => {
      const reason = "invalid JSON: trailing comma before '}'";
      expect(configError(() => loadConfig('configs/bad.json')).message).to.equal(`configs/bad.json:4:3: ${reason}`);
      expect(configError(() => loadConfig('configs/child.json')).message).to.equal(`configs/bad.json:4:3: ${reason}`);
    });
  });

  it('requires a JSON object and a well-formed _base_', () => {
    tree = new TempTree({ 'list.json': '[1, 2]', 'base.json': { _base_: 3 } });
    inDir(tree.dir, () => {
      expect(configError(() => loadConfig('list.json')).message).to.equal(
        'list.json: a config file must hold a JSON object',
      );
      expect(configError(() => loadConfig('base.json')).message).to.equal(
        'base.json: _base_ must be a path or a list of paths',
      );
    });
  });

  it('applies --cfg-options after resolving the bases', () => {
    tree = new TempTree({
      'base.json': { model: { auxiliary_head: [{ loss_weight: 0.4 }, { loss_weight: 0.4 }] }, work_dir: 'a' },
      'child.json': { _base_: 'base.json', work_dir: 'b' },
    });
    const cfg = loadConfig(tree.path('child.json'), {
      cfgOptions: ['model.auxiliary_head.1.loss_weight=0.2', 'work_dir=c'],
    });
    expect(cfg).to.deep.equal({
      model: { auxiliary_head: [{ loss_weight: 0.4 }, { loss_weight: 0.2 }] },
      work_dir: 'c',
    });
  });
});
