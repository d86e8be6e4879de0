import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractStateDict, readCheckpoint, writeSafetensors, type TensorRecord } from '../../lib/weights/node.js';
import { bytesOf, pickle, tensor, torchZip, type Py } from './torch-zip.js';

const vector = (...values: number[]): TensorRecord => ({
  dtype: 'F32',
  shape: [values.length],
  data: new Float32Array(values),
});

describe('weights/checkpoint', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'segvit-checkpoint-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a .pth by its zip signature, unwraps `model` and strips a universal `module.`', () => {
    const model: Py = {
      ordered: [
        ['module.a.weight', tensor('FloatStorage', '0', 3, 0, [2], [1])],
        ['module.b.bias', tensor('FloatStorage', '0', 3, 1, [2], [1])],
      ],
    };
    const path = join(dir, 'ddp.ckpt-file'); // unknown extension: the zip signature decides
    const pkl = pickle({ dict: [['optimizer', { dict: [] }], ['model', model]] });
    writeFileSync(path, torchZip(pkl, { '0': bytesOf(new Float32Array([1, 2, 3])) }));
    const tensors = readCheckpoint(path);
    expect([...tensors.keys()]).to.deep.equal(['a.weight', 'b.bias']);
    expect([...tensors.get('b.bias')!.data]).to.deep.equal([2, 3]);
  });

  it('keeps `module.` when not every key has it', () => {
    const path = join(dir, 'mixed.safetensors');
    writeSafetensors(path, new Map([['module.x', vector(1)], ['y', vector(2)]]));
    expect([...readCheckpoint(path).keys()]).to.deep.equal(['module.x', 'y']);
  });

  it('selects and strips `backbone.` on request, dropping the other keys', () => {
    const path = join(dir, 'segmentor.safetensors');
    writeSafetensors(path, new Map([
      ['backbone.patch_embed.proj.bias', vector(1, 2)],
      ['decode_head.conv_seg.bias', vector(3)],
      ['backbone.norm0.weight', vector(4)],
    ]));
    expect([...readCheckpoint(path).keys()]).to.have.length(3);
    const backbone = readCheckpoint(path, { prefix: 'backbone.' });
    expect([...backbone.keys()]).to.deep.equal(['patch_embed.proj.bias', 'norm0.weight']);
    expect([...backbone.get('norm0.weight')!.data]).to.deep.equal([4]);
    expect(() => readCheckpoint(path, { prefix: 'encoder.' })).to.throw(
      `${path}: no key starts with 'encoder.' (keys look like: ` +
        'backbone.patch_embed.proj.bias, decode_head.conv_seg.bias, backbone.norm0.weight)',
    );
  });

  it('extractStateDict descends through nested containers and says what it found when it finds nothing', () => {
    const inner = new Map<unknown, unknown>([['w', vector(1)], ['_note', 'not a tensor']]);
    const root = new Map<unknown, unknown>([['meta', new Map()], ['state_dict', new Map([['module', inner]])]]);
    expect([...extractStateDict(root, 'n.pth').keys()]).to.deep.equal(['w']);
    expect(() => extractStateDict(new Map<unknown, unknown>([['meta', 1], ['epoch', 2]]), 'e.pth')).to.throw(
      'e.pth: found no tensors and no state_dict / model / module dict (top-level keys: meta, epoch)',
    );
    const noTensors = new Map([['model', new Map([['x', 1]])]]);
    expect(() => extractStateDict(noTensors, 'd.pth')).to.throw(/^d\.pth\['model'\]: found no tensors/);
    expect(() => extractStateDict([1, 2], 'l.pth')).to.throw('l.pth: holds a list, not a dict of tensors');
  });

  it('routes a torch extension to the torch reader even without a zip signature', () => {
    const pickled = new Uint8Array([0x80, 2, 0x8a]);
    expect(() => readCheckpoint(pickled, { name: 'old.bin' })).to.throw(/^old\.bin is a legacy/);
    const short = new Uint8Array([1, 2, 3]);
    expect(() => readCheckpoint(short, { name: 'w.safetensors' })).to.throw(/^w\.safetensors: file is 3 bytes/);
  });
});
