import { expect } from 'chai';
import { join } from 'node:path';
import { extractStateDict, readCheckpoint, readPth, type TensorRecord } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';
import { bytesOf, pickle, tensor, torchZip, type Py } from './torch-zip.js';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

/** A checkpoint `{'epoch': 3, 'state_dict': OrderedDict(...)}` exercising views, dtypes and parameters. */
function handBuiltCheckpoint(): Uint8Array {
  const hooks: Py = { ordered: [] };
  const parameterData = tensor('DoubleStorage', '3', 2, 0, [2], [1]);
  const stateDict: Py = {
    ordered: [
      ['w.t', tensor('FloatStorage', '0', 12, 1, [2, 3], [1, 4])], // a transposed view with an offset
      ['w.row', tensor('FloatStorage', '0', 12, 4, [4], [1])], // shares storage 0
      ['cube', tensor('FloatStorage', '4', 24, 0, [2, 3, 4], [1, 2, 6])], // [4, 3, 2] contiguous, permuted (2, 1, 0)
      ['h', tensor('HalfStorage', '1', 3, 0, [3], [1])],
      ['n', tensor('LongStorage', '2', 1, 0, [], [])],
      ['p', { call: { global: ['torch._utils', '_rebuild_parameter'] }, args: [parameterData, true, hooks] }],
    ],
    state: { dict: [['_metadata', { ordered: [['', { dict: [['version', 1]] }]] }]] },
  };
  return torchZip(pickle({ dict: [['epoch', 3], ['state_dict', stateDict]] }), {
    '0': bytesOf(iota(12)),
    '1': bytesOf(new Uint16Array([0x3c00, 0xc000, 0x3800])),
    '2': bytesOf(new BigInt64Array([7n])),
    '3': bytesOf(new Float64Array([0.25, -1])),
    '4': bytesOf(iota(24)),
  }, 'my_model');
}

describe('weights/pth', () => {
  describe('hand-built torch.save archive', () => {
    let root: Map<unknown, unknown>;
    let tensors: Map<string, TensorRecord>;
    before(() => {
      root = readPth(handBuiltCheckpoint(), 'hand.pth') as Map<unknown, unknown>;
      tensors = extractStateDict(root, 'hand.pth');
    });

    it('returns the unpickled object with dicts as Maps', () => {
      expect(root).to.be.instanceOf(Map);
      expect(root.get('epoch')).to.equal(3);
      expect(root.get('state_dict')).to.be.instanceOf(Map);
      expect([...tensors.keys()]).to.deep.equal(['w.t', 'w.row', 'cube', 'h', 'n', 'p']);
    });

    it('honours storage offsets and non-contiguous strides', () => {
      expect(tensors.get('w.t')!.shape).to.deep.equal([2, 3]);
      expect([...tensors.get('w.t')!.data]).to.deep.equal([1, 5, 9, 2, 6, 10]);
      expect([...tensors.get('w.row')!.data]).to.deep.equal([4, 5, 6, 7]);
      const cube = tensors.get('cube')!;
      expect(cube.shape).to.deep.equal([2, 3, 4]);
      const expected: number[] = [];
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) expected.push(a + 2 * b + 6 * c);
      }
      expect([...cube.data]).to.deep.equal(expected);
    });

    it('decodes half, long, double storages and unwraps parameters', () => {
      expect(tensors.get('h')!).to.deep.include({ dtype: 'F16', shape: [3] });
      expect([...tensors.get('h')!.data]).to.deep.equal([1, -2, 0.5]);
      const n = tensors.get('n')!;
      expect(n).to.deep.include({ dtype: 'I64', shape: [] });
      expect(n.data).to.be.instanceOf(Int32Array);
      expect([...n.data]).to.deep.equal([7]);
      expect(tensors.get('p')!.data).to.be.instanceOf(Float32Array);
      expect([...tensors.get('p')!.data]).to.deep.equal([0.25, -1]);
    });
  });

  describe('errors name the file', () => {
    it('legacy (pre-1.6) torch.save files', () => {
      // protocol 2, then the LONG1 magic number 0x1950a86a20f9469cfc6c that legacy files begin with
      const magic = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
      const legacy = new Uint8Array([0x80, 0x02, ...magic]);
      expect(() => readPth(legacy, 'old.pth')).to.throw(
        'old.pth is a legacy (pre-1.6) torch.save file; ' +
          're-save it with torch.save(obj, path) in PyTorch >= 1.6 or convert to safetensors',
      );
    });

    it('files that are neither zip nor pickle', () => {
      const text = new TextEncoder().encode('hello world');
      expect(() => readPth(text, 'text.pth')).to.throw(/^text\.pth: not a PyTorch checkpoint/);
    });

    it('a storage record missing from the archive', () => {
      const pkl = pickle({ dict: [['w', tensor('FloatStorage', '9', 2, 0, [2], [1])]] });
      expect(() => readPth(torchZip(pkl, {}), 'gap.pth')).to.throw(
        'gap.pth: storage data/9 is missing from the archive — truncated or corrupt',
      );
    });

    it('a view reaching past its storage', () => {
      const pkl = pickle({ dict: [['w', tensor('FloatStorage', '0', 4, 2, [2, 2], [2, 1])]] });
      expect(() => readPth(torchZip(pkl, { '0': bytesOf(iota(4)) }), 'view.pth')).to.throw(
        /^view\.pth: tensor view \(offset 2, size \[2,2\], stride \[2,1\]\) does not fit storage data\/0 of 4 elements/,
      );
    });

    it('tensor kinds it cannot rebuild', () => {
      const pkl = pickle({ dict: [['q', { call: { global: ['torch._utils', '_rebuild_qtensor'] }, args: [] }]] });
      expect(() => readPth(torchZip(pkl, {}), 'q.pth')).to.throw(
        /^q\.pth: holds tensors rebuilt by torch\._utils\._rebuild_qtensor/,
      );
    });
  });

  describe('fixture swin-a: weights.pth and weights.safetensors hold the same tensors', () => {
    it('same keys, shapes and bit-identical values', function () {
      const dir = fixtureOrSkip(this, 'swin-a');
      const fromPth = readCheckpoint(join(dir, 'weights.pth'));
      const fromSafetensors = readCheckpoint(join(dir, 'weights.safetensors'));
      expect(fromPth.size).to.be.greaterThan(100);
      expect([...fromPth.keys()].sort()).to.deep.equal([...fromSafetensors.keys()].sort());
      expect(fromPth.get('layers.0.blocks.0.attn.relative_position_bias_table')!.shape).to.deep.equal([169, 1]);
      for (const [key, a] of fromPth) {
        const b = fromSafetensors.get(key)!;
        expect(a.shape, key).to.deep.equal(b.shape);
        expect(a.data.constructor, key).to.equal(b.data.constructor);
        expect(Buffer.compare(bytesOf(a.data), bytesOf(b.data)), key).to.equal(0);
      }
    });
  });
});
