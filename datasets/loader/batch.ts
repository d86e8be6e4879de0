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
  const { index, imgPath, segMapPath, depthMapPath, volume, oriShape, imgShape, padShape, scaleFactor, flip } = s;
  return { index, imgPath, segMapPath, depthMapPath, volume, oriShape, imgShape, padShape, scaleFactor, flip };
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
function stack<T extends Uint8Array | Float32Array>(out: T, grids: Grid[]): T {
  grids.forEach((g, i) => out.set(g.data, i * g.data.length));
  return out;
}

/** [B, h, w] of maps sharing one size. */
function mapShape(grids: Grid[]): [number, number, number] {
  return [grids.length, grids[0].height, grids[0].width];
}

/** Stack `samples` (same image size, channels and kinds of annotation) into a Batch; uint8 images become float32. */
export function collate(samples: Sample[]): Batch {
  if (samples.length === 0) throw new Error('cannot batch zero samples');
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
