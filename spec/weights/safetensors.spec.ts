import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { halfToFloat, readSafetensors, writeSafetensors, type TensorRecord } from '../../lib/weights/node.js';

/** A safetensors file from a header object and the raw data section, written the way the format specifies. */
function rawSafetensors(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function u16(values: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(values).buffer);
}

describe('weights/safetensors', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'segvit-safetensors-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('round trip', () => {
    const tensors = new Map<string, TensorRecord>([
      ['w', { dtype: 'F32', shape: [2, 3], data: new Float32Array([1.5, -2, 3.25, 0, 1e-8, -7e20]) }],
      ['idx', { dtype: 'I32', shape: [4], data: new Int32Array([0, -1, 2147483647, -2147483648]) }],
      ['count', { dtype: 'I64', shape: [], data: new Int32Array([42]) }],
      ['mask', { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) }],
      ['empty', { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) }],
    ]);

    it('reads back the same names, dtypes, shapes, values and metadata', () => {
      const path = join(dir, 'round.safetensors');
      writeSafetensors(path, tensors, { format: 'pt', note: 'ünïcode' });
      const back = readSafetensors(path);
      expect([...back.tensors.keys()]).to.deep.equal([...tensors.keys()]);
      for (const [name, record] of tensors) {
        const got = back.tensors.get(name)!;
        expect(got.dtype, name).to.equal(record.dtype);
        expect(got.shape, name).to.deep.equal(record.shape);
        expect(got.data.constructor, name).to.equal(record.data.constructor);
        expect([...got.data], name).to.deep.equal([...record.data]);
      }
      expect(back.metadata).to.deep.equal({ format: 'pt', note: 'ünïcode' });
    });

    it('pads the header with spaces to 8-byte alignment, stores I64 as 8 bytes and leaves no temp file', () => {
      const path = join(dir, 'aligned.safetensors');
      writeSafetensors(path, tensors);
      const bytes = readFileSync(path);
      const n = Number(bytes.readBigUInt64LE(0));
      expect(n % 8).to.equal(0);
      const header = bytes.subarray(8, 8 + n).toString('utf8');
      expect(header.trimEnd().endsWith('}')).to.equal(true);
      expect(header.slice(header.trimEnd().length)).to.match(/^ *$/);
      const parsed = JSON.parse(header);
      expect(parsed.count.data_offsets[1] - parsed.count.data_offsets[0]).to.equal(8);
      expect(bytes.readBigInt64LE(8 + n + parsed.count.data_offsets[0])).to.equal(42n);
      expect(parsed).not.to.have.property('__metadata__');
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('refuses data that does not fill the shape, naming the tensor, and keeps the old file', () => {
      const path = join(dir, 'keep.safetensors');
      writeSafetensors(path, new Map([['a', tensors.get('w')!]]));
      const bad = new Map<string, TensorRecord>([['b', { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]]);
      expect(() => writeSafetensors(path, bad)).to.throw(/tensor 'b': 3 elements do not fill shape \[2,2\]/);
      expect([...readSafetensors(path).tensors.keys()]).to.deep.equal(['a']);
    });

    it('refuses to write dtypes it cannot hold exactly', () => {
      const half = new Map<string, TensorRecord>([['h', { dtype: 'F16', shape: [1], data: new Float32Array(1) }]]);
      expect(() => writeSafetensors(join(dir, 'half.safetensors'), half)).to.throw(/writing F16 is not supported/);
    });
  });

  describe('decoding', () => {
    it('decodes F16 bit patterns to the hand-computed values', () => {
      // 1, -2, smallest subnormal 2^-24, largest subnormal, max normal 65504, 1/3 rounded, -0, +inf
      const bits = [0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x3555, 0x8000, 0x7c00];
      const expected = [1, -2, 2 ** -24, 1023 * 2 ** -24, 65504, 0.333251953125, -0, Infinity];
      const file = rawSafetensors({ h: { dtype: 'F16', shape: [8], data_offsets: [0, 16] } }, u16(bits));
      const got = readSafetensors(file).tensors.get('h')!;
      expect(got.data).to.be.instanceOf(Float32Array);
      expect([...got.data]).to.deep.equal(expected);
      expect(Object.is(got.data[6], -0)).to.equal(true);
      expect(halfToFloat(0x7e00)).to.be.NaN;
    });

    it('decodes BF16, F64, I8 and I64', () => {
      const header = {
        b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] },
        d: { dtype: 'F64', shape: [2], data_offsets: [6, 22] },
        c: { dtype: 'I8', shape: [2], data_offsets: [22, 24] },
        l: { dtype: 'I64', shape: [2], data_offsets: [24, 40] },
      };
      const data = new Uint8Array(40);
      data.set(u16([0x3f80, 0xc040, 0x4049]), 0); // 1, -3, 3.140625
      const view = new DataView(data.buffer);
      view.setFloat64(6, 0.1, true);
      view.setFloat64(14, -2.5, true);
      data.set([0xff, 0x7f], 22); // -1, 127
      view.setBigInt64(24, -5n, true);
      view.setBigInt64(32, 2147483647n, true);
      const { tensors } = readSafetensors(rawSafetensors(header, data));
      expect([...tensors.get('b')!.data]).to.deep.equal([1, -3, 3.140625]);
      expect([...tensors.get('d')!.data]).to.deep.equal([Math.fround(0.1), -2.5]);
      expect([...tensors.get('c')!.data]).to.deep.equal([-1, 127]);
      expect(tensors.get('l')!.data).to.be.instanceOf(Int32Array);
      expect([...tensors.get('l')!.data]).to.deep.equal([-5, 2147483647]);
    });

    it('names the file, the tensor and the value when an I64 does not fit in int32', () => {
      const data = new Uint8Array(16);
      new DataView(data.buffer).setBigInt64(8, 2147483648n, true);
      const file = rawSafetensors({ big: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data);
      expect(() => readSafetensors(file, 'ids.safetensors')).to.throw(
        "ids.safetensors: tensor 'big': int64 value 2147483648 at flat index 1 does not fit in int32",
      );
    });
  });

  describe('corrupt and truncated files', () => {
    const good = rawSafetensors({ x: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, new Uint8Array(16));

    it('reports a header length beyond the file, naming the file on disk', () => {
      const path = join(dir, 'truncated-header.safetensors');
      writeFileSync(path, good.subarray(0, 20));
      expect(() => readSafetensors(path)).to.throw(
        `${path}: header length ${good.length - 24} exceeds file size 20 — not a safetensors file or truncated`,
      );
    });

    it('reports a file too short to hold the header length', () => {
      const tiny = new Uint8Array(5);
      expect(() => readSafetensors(tiny, 'tiny.safetensors')).to.throw(/^tiny\.safetensors: file is 5 bytes/);
    });

    it('reports data cut short', () => {
      expect(() => readSafetensors(good.subarray(0, good.length - 4), 'cut.safetensors')).to.throw(
        "cut.safetensors: tensor 'x': data_offsets [0,16] exceed the data section (12 bytes) — truncated file",
      );
    });

    it('reports a header that is not JSON (e.g. a zip given by mistake)', () => {
      const notJson = new Uint8Array(16);
      notJson[0] = 4;
      notJson.set([0x50, 0x4b, 0x03, 0x04], 8);
      expect(() => readSafetensors(notJson, 'model.pth')).to.throw(/^model\.pth: header is not valid JSON/);
    });

    it('reports unknown dtypes and byte counts that disagree with the shape', () => {
      const odd = rawSafetensors({ x: { dtype: 'F8', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
      expect(() => readSafetensors(odd, 'f8.safetensors')).to.throw(`f8.safetensors: tensor 'x': unknown dtype "F8"`);
      const short = rawSafetensors({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
      expect(() => readSafetensors(short, 's.safetensors')).to.throw(
        "s.safetensors: tensor 'x': holds 8 bytes but F32 [3] needs 12 — corrupt header",
      );
    });
  });
});
