import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { encodePng, writeDepthPng16, writeLabelPng, writePng } from '../../lib/viz/png.js';

const { PNG } = pngjs;

describe('png', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'segvit-png-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes an RGB image exactly, as 8-bit RGB, with the same bytes every time', async () => {
    const data = Uint8Array.from({ length: 3 * 3 * 2 }, (_, i) => (i * 37) % 256);
    const path = join(dir, 'sub', 'rgb.png');
    writePng(path, { data, height: 2, width: 3, channels: 3 });
    const bytes = await readFile(path);
    const png = PNG.sync.read(bytes);
    expect([png.width, png.height, png.colorType, png.depth]).to.deep.equal([3, 2, 2, 8]);
    const rgb = [...png.data].filter((_, i) => i % 4 !== 3);
    expect(rgb).to.deep.equal([...data]);
    expect(encodePng({ data, height: 2, width: 3, channels: 3 }).equals(bytes)).to.equal(true);
    expect(await readdir(join(dir, 'sub'))).to.deep.equal(['rgb.png']); // no temporary file left
  });

  it('writes a grey image and refuses float or 2-channel images', async () => {
    const data = Uint8Array.from([0, 1, 128, 255]);
    writePng(join(dir, 'grey.png'), { data, height: 2, width: 2, channels: 1 });
    const png = PNG.sync.read(await readFile(join(dir, 'grey.png')));
    expect(png.colorType).to.equal(0);
    expect([...png.data].filter((_, i) => i % 4 === 0)).to.deep.equal([0, 1, 128, 255]);
    const float = { data: new Float32Array(4), height: 2, width: 2, channels: 1 };
    expect(() => encodePng(float)).to.throw(/uint8 with 1 or 3 channels, got Float32Array/);
    expect(() => encodePng({ data: new Uint8Array(8), height: 2, width: 2, channels: 2 })).to.throw(/2 channels/);
  });

  it('writes class ids exactly as 8-bit grey, replacing an existing file', async () => {
    const data = Uint8Array.from([0, 1, 2, 149, 150, 255]);
    const path = join(dir, 'label.png');
    writeLabelPng(path, { data: new Uint8Array(6), height: 2, width: 3 });
    writeLabelPng(path, { data, height: 2, width: 3 });
    const png = PNG.sync.read(await readFile(path));
    expect([png.colorType, png.depth]).to.deep.equal([0, 8]);
    expect([...png.data].filter((_, i) => i % 4 === 0)).to.deep.equal([...data]);
  });

  it('writes depth as 16-bit grey round(metres · scale), 0 where invalid', async () => {
    const metres = Float32Array.from([0, 1.2345, 10, 65.535, NaN, -2]);
    const path = join(dir, 'depth.png');
    writeDepthPng16(path, { data: metres, height: 3, width: 2 }, 1000);
    const png = PNG.sync.read(await readFile(path), { skipRescale: true });
    expect([png.colorType, png.depth]).to.deep.equal([0, 16]);
    const values = [...(png.data as unknown as Uint16Array)].filter((_, i) => i % 4 === 0);
    expect(values).to.deep.equal([0, 1235, 10000, 65535, 0, 0]);
  });

  it('refuses depths that do not fit in 16 bits', async () => {
    const depth = { data: Float32Array.from([300]), height: 1, width: 1 };
    expect(() => writeDepthPng16(join(dir, 'far.png'), depth, 256)).to.throw(
      /depth 300 m × scale 256 = 76800 does not fit in 16 bits/,
    );
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
