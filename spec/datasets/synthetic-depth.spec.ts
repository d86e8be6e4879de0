/** The built-in synthetic depth dataset: exact ray-cast depth, deterministic, cached in NYU's format. */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  focalForWidth,
  renderDepthScene,
  type Camera,
  type DepthScene,
  type Material,
  type Surface,
} from '../../datasets/depth-scenes.js';
import { readDepthPng, readImage } from '../../datasets/io.js';
import { NYUDataset } from '../../datasets/nyu.js';
import {
  SyntheticDepthDataset,
  syntheticDepthScenes,
  type SyntheticDepthDatasetOptions,
  type SyntheticDepthSample,
} from '../../datasets/synthetic-depth.js';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { DepthMetric } from '../../lib/metrics/index.js';
import { registries } from '../../lib/registry.js';
import { captureStderr, snapshot } from '../helpers/generated-data.js';
import { build, load, LOAD_DEPTH } from './trees.js';

const GREY: Material = { pattern: 'plain', colours: [[128, 128, 128], [128, 128, 128]], size: 1 };
const FLOOR: Surface = { kind: 'plane', name: 'floor', normal: [0, 1, 0], offset: 0, material: GREY };

/** A scene of `surfaces` seen from (0, height, 0), looking along +z tilted down by `pitch`; no holes. */
function handScene(surfaces: Surface[], height: number, pitch: number, size: [number, number]): DepthScene {
  const camera: Camera = { focal: focalForWidth(size[1]), cx: size[1] / 2, cy: size[0] / 2, position: [0, height, 0], yaw: 0, pitch };
  return { camera, surfaces, light: [0, 1, 0], sky: [[255, 255, 255], [0, 0, 255]], holes: [], noiseSeed: 1 };
}

/** The first `count` val samples at 48x64. */
function firstSamples(count: number, seed = 0): SyntheticDepthSample[] {
  const scenes = syntheticDepthScenes('val', seed, { height: 48, width: 64, maxDepth: 10, maxObjects: 4 });
  return Array.from({ length: count }, () => scenes.next().value as SyntheticDepthSample);
}

/**
 * The z-depth at which pixel (v, u)'s ray meets the floor y = 0, from the camera's yaw and pitch written out:
 * ray = R_yaw · R_pitch · ((u + ½ − cx)/f, (v + ½ − cy)/f, 1) in camera axes (x right, y down, z forward); its world
 * y component is −(b·cos θ + sin θ), so the ray falls h metres after t = h / (b·cos θ + sin θ).
 */
function floorDepth(camera: Camera, v: number): number {
  const b = (v + 0.5 - camera.cy) / camera.focal;
  return camera.position[1] / (b * Math.cos(camera.pitch) + Math.sin(camera.pitch));
}

describe('datasets/synthetic-depth', function () {
  this.timeout(120000);
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'segvit-synthetic-depth-'));
    dirs.push(dir);
    return dir;
  };
  const quietly = (options: SyntheticDepthDatasetOptions): SyntheticDepthDataset =>
    captureStderr(() => new SyntheticDepthDataset(options)).result;
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('renders the analytic depth of the floor: f·h / (v + ½ − cy) level, h / (b cos θ + sin θ) tilted', () => {
    const size: [number, number] = [48, 64];
    for (const pitch of [0, 0.2]) {
      const scene = handScene([FLOOR], 1.5, pitch, size);
      const { depth, surface } = renderDepthScene(scene, { height: 48, width: 64, maxDepth: 60 });
      for (let v = 0; v < 48; v++) {
        const expected = floorDepth(scene.camera, v);
        for (const u of [0, 17, 63]) {
          const p = v * 64 + u;
          if (expected > 0 && expected <= 60) {
            expect(depth.data[p], `pitch ${pitch}, row ${v}`).to.be.closeTo(expected, 1e-5 * expected);
            expect(surface[p]).to.equal(0);
          } else {
            // above the horizon the ray hits nothing; beyond max_depth it hits the floor but has no ground truth
            expect(depth.data[p], `pitch ${pitch}, row ${v}`).to.equal(0);
            expect(surface[p]).to.equal(expected > 0 ? 0 : -1);
          }
        }
      }
      if (pitch === 0) expect(depth.data[47 * 64]).to.be.closeTo((focalForWidth(64) * 1.5) / 23.5, 1e-5);
    }
  });

  it('gives a fronto-parallel wall one z-depth everywhere (z-depth, not ray length), and objects occlude it', () => {
    const wall: Surface = { kind: 'plane', name: 'back wall', normal: [0, 0, -1], offset: -4, material: GREY };
    const ball: Surface = { kind: 'sphere', center: [0, 1.5, 3], radius: 0.5, material: GREY };
    const { depth, surface } = renderDepthScene(handScene([wall, ball], 1.5, 0, [48, 64]), { height: 48, width: 64, maxDepth: 10 });
    const onWall = [...surface.keys()].filter((p) => surface[p] === 0);
    expect(onWall.length).to.be.above(2000);
    onWall.forEach((p) => expect(depth.data[p]).to.be.closeTo(4, 1e-5));
    // the ball's nearest point, straight ahead: 3 − 0.5 = 2.5 m at the pixels around the centre
    expect(surface[24 * 64 + 32]).to.equal(1);
    expect(depth.data[24 * 64 + 32]).to.be.closeTo(2.5, 2e-3);
    expect(Math.max(...onWall.map((p) => depth.data[p]!))).to.be.closeTo(4, 1e-5);
  });

  it('has depth 0 where there is no ground truth: sky, beyond max_depth, holes', () => {
    const samples = firstSamples(40);
    let [sky, far, holes] = [0, 0, 0];
    for (const s of samples) {
      const { camera } = s.scene;
      s.depth.data.forEach((d, p) => {
        const [v, u] = [Math.floor(p / 64), p % 64];
        const inHole = s.scene.holes.some((h) => ((v + 0.5 - h.cy) / h.ry) ** 2 + ((u + 0.5 - h.cx) / h.rx) ** 2 <= 1);
        if (s.surface[p] === -1) {
          expect(d).to.equal(0);
          sky++;
        } else if (inHole) {
          expect(d).to.equal(0);
          holes++;
        } else if (s.scene.surfaces[s.surface[p]!]!.kind === 'plane' && (s.scene.surfaces[s.surface[p]!] as { name: string }).name === 'floor') {
          // every floor pixel: its analytic depth, or 0 beyond max_depth (yaw does not change a floor point's depth)
          const expected = floorDepth(camera, v);
          if (expected > 10) {
            expect(d).to.equal(0);
            far++;
          } else expect(d).to.be.closeTo(expected, 1e-5 * expected);
        } else if (d !== 0) expect(d).to.be.within(1e-3, 10); // walls of open scenes also run past max_depth
      });
    }
    expect(sky, 'sky pixels').to.be.above(0);
    expect(far, 'floor pixels beyond max_depth').to.be.above(0);
    expect(holes, 'hole pixels').to.be.above(0);
  });

  it('is byte-identical for the same seed, differs for another, and caches NYU-style folders', () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    quietly({ data_root: a, split: 'val', num_samples: 12 });
    quietly({ data_root: b, split: 'val', num_samples: 12 });
    quietly({ data_root: c, split: 'val', num_samples: 12, seed: 1 });
    const [sa, sb, sc] = [snapshot(a), snapshot(b), snapshot(c)];
    expect(sa.size).to.equal(2 * 12 + 1);
    expect([...sa.keys()].sort().slice(0, 2)).to.deep.equal(['/annotations/val/00000.png', '/annotations/val/00001.png']);
    expect(sa.has('/images/val/00011.png')).to.equal(true);
    for (const [file, bytes] of sa) expect(bytes.equals(sb.get(file)!), file).to.equal(true);
    const meta = (dir: string) => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).val;
    expect(meta(a)).to.deep.include({ generator: 1, seed: 0, count: 12, img_size: [64, 96], max_objects: 4, max_depth: 10 });
    expect(meta(c).sha256).to.not.equal(meta(a).sha256);
    expect(sc.get('/annotations/val/00000.png')!.equals(sa.get('/annotations/val/00000.png')!)).to.equal(false);
  });

  it('stores RGB PNGs and uint16 millimetre PNGs that NYUDataset reads back (depth within 0.5 mm)', async () => {
    const root = tempDir();
    const ds = quietly({ data_root: root, split: 'val', num_samples: 6, img_size: [48, 64] });
    expect(ds.length).to.equal(6);
    expect(ds.meta).to.deep.include({ task: 'depth', depthScale: 1000, maxDepth: 10, evalCrop: null });
    const samples = firstSamples(6);
    const nyu = build({
      type: 'NYUDataset',
      data_root: root,
      data_prefix: { img_path: 'images/val', depth_map_path: 'annotations/val' },
      img_suffix: '.png',
      pipeline: LOAD_DEPTH,
    });
    expect(nyu).to.be.instanceOf(NYUDataset);
    for (const i of [0, 5]) {
      const info = ds.info(i);
      expect(info.depthMapPath).to.equal(join(root, 'annotations', 'val', `0000${i}.png`));
      expect(Array.from((await readImage(info.imgPath)).data)).to.deep.equal(Array.from(samples[i]!.image.data));
      const raw = await readDepthPng(info.depthMapPath!);
      expect(Array.from(raw.data)).to.deep.equal(Array.from(samples[i]!.depth.data, (d) => Math.round(d * 1000)));
      const read = await load(nyu, i);
      const gt = samples[i]!.depth.data;
      read.gtDepthMap!.data.forEach((d, p) => expect(Math.abs(d - gt[p]!)).to.be.at.most(5e-4));
      expect([read.img!.height, read.img!.width]).to.deep.equal([48, 64]);
    }
  });

  it('regenerates when a setting changes, reuses a matching cache', () => {
    const root = tempDir();
    expect(captureStderr(() => new SyntheticDepthDataset({ data_root: root, split: 'val', num_samples: 4 })).stderr).to.contain(
      'synthetic_depth: generating 4 val scenes (seed 0)',
    );
    expect(captureStderr(() => new SyntheticDepthDataset({ data_root: root, split: 'val', num_samples: 4 })).stderr).to.equal('');
    const other = captureStderr(() => new SyntheticDepthDataset({ data_root: root, split: 'val', num_samples: 4, max_objects: 1 }));
    expect(other.stderr).to.contain('generating 4 val scenes');
  });

  it('generates the 1000 default training scenes in well under a minute', () => {
    const start = Date.now();
    const { result } = captureStderr(() => new SyntheticDepthDataset({ data_root: tempDir() }));
    expect(result.length).to.equal(1000);
    expect(Date.now() - start).to.be.below(40000);
  });

  it('is registered as SyntheticDepthDataset, loads through a pipeline, and checks its options', async () => {
    const root = tempDir();
    const ds = captureStderr(() =>
      build({ type: 'SyntheticDepthDataset', data_root: root, split: 'val', num_samples: 3, img_size: [32, 48], pipeline: LOAD_DEPTH }),
    ).result;
    const sample = await load(ds, 2);
    expect([sample.img!.height, sample.img!.width, sample.gtDepthMap!.height]).to.deep.equal([32, 48, 32]);
    expect(Math.max(...sample.gtDepthMap!.data)).to.be.within(0.5, 10);
    expect(() => build({ type: 'SyntheticDepthDataset', max_depth: 70 })).to.throw('max_depth');
    expect(() => build({ type: 'SyntheticDepthDataset', img_size: [4, 8] })).to.throw('img_size');
  });

  it('configs/_base_/datasets/synthetic_depth.json validates and builds its datasets and DepthMetric', () => {
    const file = fileURLToPath(new URL('../../../configs/_base_/datasets/synthetic_depth.json', import.meta.url));
    const root = tempDir();
    const cfg = validateConfig(loadConfig(file, { cfgOptions: [`val_dataloader.dataset.data_root=${root}`, 'val_dataloader.dataset.num_samples=2'] }));
    const ds = captureStderr(() => build(cfg.val_dataloader!.dataset as never)).result;
    expect(ds.length).to.equal(2);
    expect(cfg.val_evaluator).to.deep.include({ type: 'DepthMetric', max_depth_eval: 10 });
    expect(registries.metric.build(cfg.val_evaluator as never, 'val_evaluator')).to.be.instanceOf(DepthMetric);
  });
});
