/** Collation: samples of one size stacked into the NHWC arrays a model takes. */
import type { Sample } from '../types.js';

/** What a batch keeps of each sample besides pixels (mmseg's img_metas). */
export type SampleMeta = Pick<
  Sample,
  | 'index'
  | 'imgPath'
  | 'segMapPath'
  | 'depthMapPath'
  | 'volume'
  | 'geometry'
  | 'spacing'
  | 'oriShape'
  | 'imgShape'
  | 'padShape'
  | 'scaleFactor'
  | 'flip'
>;

export interface Batch {
  /** [B, H, W, C] float32 (normalised if the pipeline has Normalize). */
  images: Float32Array;
  /** [B, H, W, C] */
  shape: [number, number, number, number];
  /** [B, h, w] class ids, when every sample has a label map. */
  labels?: Uint8Array;
  /**
   * [B, h, w] of `labels`: the image's [B, H, W] after a training pipeline; the original size when annotations are
   * loaded after Resize (mmseg's test pipeline, evaluated at the original resolution).
   */
  labelShape?: [number, number, number];
  /** [B, h, w] depth in metres (0 = invalid), when every sample has a depth map. */
  depths?: Float32Array;
  /** [B, h, w] of `depths`, as labelShape. */
  depthShape?: [number, number, number];
  /**
   * Volumes (samples with img3d): `images` is [B, D, H, W, C], given here; `shape` is then the same memory seen as
   * [B, D·H, W, C].
   */
  volumeShape?: [number, number, number, number, number];
  /** [B, D, H, W] of `labels` for volumes (`labelShape` is then [B, D·H, W]). */
  labelVolumeShape?: [number, number, number, number];
  samples: SampleMeta[];
}

/** An image, or a label or depth map (one channel). */
interface Grid {
  data: ArrayLike<number>;
  height: number;
  width: number;
  channels?: number;
}

function meta(s: Sample): SampleMeta {
  const { index, imgPath, segMapPath, depthMapPath, volume, geometry, spacing, oriShape, imgShape, padShape, scaleFactor, flip } = s;
  return { index, imgPath, segMapPath, depthMapPath, volume, geometry, spacing, oriShape, imgShape, padShape, scaleFactor, flip };
}

const SAME_SIZE_HINT =
  'end the pipeline with RandomCrop and Pad (size) so that every sample has the same size, or use batch size 1';

/** `grids[i]` (of `samples[i]`, a `what`) checked to share one [height, width] (and channels for images). */
function sameSize<T extends Grid>(samples: Sample[], grids: T[], what: string): T[] {
  const size = (g: Grid) => [g.height, g.width, g.channels ?? 1].join('x');
  grids.forEach((g, i) => {
    if (size(g) !== size(grids[0])) {
      throw new Error(
        `cannot batch samples of different sizes: the ${what} of ${samples[0].imgPath} is ${size(grids[0])}, ` +
          `that of ${samples[i].imgPath} ${size(g)}; ${SAME_SIZE_HINT}`,
      );
    }
  });
  return grids;
}

/**
 * The `key` maps of `samples` when all have one, undefined when none has. Mixing samples with and without is an
 * error naming one of each.
 */
function maps(samples: Sample[], key: 'gtSegMap' | 'gtDepthMap', what: string): Grid[] | undefined {
  const found = samples.filter((s) => s[key] !== undefined);
  if (found.length === 0) return undefined;
  const missing = samples.find((s) => s[key] === undefined);
  if (missing !== undefined) {
    throw new Error(`cannot batch ${found[0].imgPath}, which has a ${what}, with ${missing.imgPath}, which has none`);
  }
  return sameSize(samples, found.map((s) => s[key] as Grid), what);
}

/** Copy equal-length arrays one after another into `out`. */
function concat<T extends Uint8Array | Float32Array>(out: T, arrays: ArrayLike<number>[]): T {
  arrays.forEach((a, i) => out.set(a, i * a.length));
  return out;
}

/** The pixels of equal-size grids one after another in `out`. */
function stack<T extends Uint8Array | Float32Array>(out: T, grids: Grid[]): T {
  return concat(out, grids.map((g) => g.data));
}

/** [B, h, w] of maps sharing one size. */
function mapShape(grids: Grid[]): [number, number, number] {
  return [grids.length, grids[0].height, grids[0].width];
}

/** Stack volume samples (img3d, and gtSeg3d when every sample has one) of one shape. */
function collateVolumes(samples: Sample[]): Batch {
  const volumes = samples.map((s) => {
    if (s.img3d === undefined) throw new Error(`cannot batch ${s.imgPath}, which has no volume, with volumes`);
    return s.img3d;
  });
  const { shape, channels: c } = volumes[0]!;
  volumes.forEach((v, i) => {
    if (v.shape.join() !== shape.join() || v.channels !== c) {
      throw new Error(
        `cannot batch volumes of different shapes: ${samples[0]!.imgPath} is [${shape}]×${c}, ${samples[i]!.imgPath} ` +
          `[${v.shape}]×${v.channels}; end the pipeline with RandomCrop3D so that every sample has one shape, or use batch size 1`,
      );
    }
  });
  const [b, [d, h, w]] = [volumes.length, shape];
  const batch: Batch = {
    images: concat(new Float32Array(b * d * h * w * c), volumes.map((v) => v.data)),
    shape: [b, d * h, w, c],
    volumeShape: [b, d, h, w, c],
    samples: samples.map(meta),
  };
  const labels = samples.map((s) => s.gtSeg3d).filter((l) => l !== undefined);
  if (labels.length === b) {
    labels.forEach((l, i) => {
      if (l.shape.join() !== shape.join()) throw new Error(`${samples[i]!.imgPath}: its label volume is [${l.shape}], the image [${shape}]`);
    });
    batch.labels = concat(new Uint8Array(b * d * h * w), labels.map((l) => l.data));
    batch.labelShape = [b, d * h, w];
    batch.labelVolumeShape = [b, d, h, w];
  }
  return batch;
}

/** Stack `samples` (same image size, channels and kinds of annotation) into a Batch; uint8 images become float32. */
export function collate(samples: Sample[]): Batch {
  if (samples.length === 0) throw new Error('cannot batch zero samples');
  if (samples.some((s) => s.img3d !== undefined)) return collateVolumes(samples);
  const imgs = samples.map((s) => {
    if (s.img === undefined) throw new Error(`cannot batch ${s.imgPath}: no image (no LoadImageFromFile?)`);
    return s.img;
  });
  const [{ height: h, width: w, channels: c }] = sameSize(samples, imgs, 'image');
  const batch: Batch = {
    images: stack(new Float32Array(imgs.length * h * w * c), imgs),
    shape: [imgs.length, h, w, c],
    samples: samples.map(meta),
  };
  const labels = maps(samples, 'gtSegMap', 'label map');
  if (labels !== undefined) {
    batch.labelShape = mapShape(labels);
    batch.labels = stack(new Uint8Array(batch.labelShape.reduce((a, b) => a * b)), labels);
  }
  const depths = maps(samples, 'gtDepthMap', 'depth map');
  if (depths !== undefined) {
    batch.depthShape = mapShape(depths);
    batch.depths = stack(new Float32Array(batch.depthShape.reduce((a, b) => a * b)), depths);
  }
  return batch;
}

/** Fail when `batch` holds volumes: `model` (a 2D segmentor or depth estimator) takes images. */
export function requireImages(batch: Batch, model: string): void {
  if (batch.volumeShape !== undefined) {
    throw new Error(
      `${model} takes images [B, H, W, C], but the pipeline gives volumes [${batch.volumeShape}] ` +
        '(LoadBiomedicalImageFromFile): use a 3D segmentor, or a 2D pipeline (LoadImageFromFile)',
    );
  }
}
