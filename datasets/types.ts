/**
 * The data that flows from disk to the model, as mmseg's `results` dict flows through a pipeline.
 * Everything here is plain typed arrays (no tfjs), so samples cross worker threads by transfer.
 */
import type { DepthCrop } from '../lib/metrics/depth.js';
import type { Rng } from '../lib/random.js';

/** An image, row-major HWC (channels last), RGB order. uint8 as loaded; float32 after Normalize. */
export interface Image {
  data: Uint8Array | Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** A segmentation label map, row-major HW, one class id per pixel; `ignoreIndex` (255) = unlabelled. */
export interface LabelMap {
  data: Uint8Array;
  height: number;
  width: number;
}

/** A depth map in metres, row-major HW; 0 = invalid (no ground truth). */
export interface DepthMap {
  data: Float32Array;
  height: number;
  width: number;
}

export type Shape3 = [number, number, number];

/** A volume of voxels, C-order [D, H, W, C] (channels last; 1 for labels). */
export interface Grid3<T extends Float32Array | Uint8Array = Float32Array | Uint8Array> {
  data: T;
  shape: Shape3;
  channels: number;
}

/** Where a volume lies: voxel size in mm ([d, h, w]) and the NIfTI affine, voxel (x, y, z) -> world (mm). */
export interface VolumeGeometry {
  spacing: Shape3;
  affine: number[][];
}

/** A 16-bit single-channel raster (raw depth PNG values), row-major HW. */
export interface Raster16 {
  data: Uint16Array;
  height: number;
  width: number;
}

export type Task = 'segmentation' | 'depth';

/** What a dataset knows about its labels (mmseg's metainfo plus the label conventions). */
export interface DatasetMeta {
  task: Task;
  /** Class names, index = class id (segmentation); empty for depth. */
  classes: string[];
  /** RGB colour per class, same length as classes. */
  palette: [number, number, number][];
  /** Label 0 -> ignore, every other label -1 (ADE20K, Pascal Context 59). */
  reduceZeroLabel: boolean;
  /** Old label id -> new id, applied when annotations are loaded (after reduce_zero_label). */
  labelMap?: Record<number, number>;
  ignoreIndex: number;
  /** Depth only: raw PNG value / depthScale = metres (NYU 1000, KITTI 256). */
  depthScale?: number;
  /** Depth only: evaluation cap and floor in metres, and the crop of the evaluation (e.g. 'eigen', 'garg'). */
  maxDepth?: number;
  minDepth?: number;
  evalCrop?: string | null;
  /** Depth only: that crop as DepthMetric's crop_type ('nyu_crop', 'garg_crop', 'eigen_crop'), null for none. */
  cropType?: DepthCrop | null;
}

/** Where a 2D sample lies in a volume: slice `slice` along axis 0 of a [D, H, W] volume file (TransUNet's test h5). */
export interface VolumeSlice {
  /** The case (volume) name, e.g. 'case0008'. */
  name: string;
  slice: number;
  /** D, the volume's number of slices. */
  slices: number;
}

/** One sample as it moves through the pipeline. Transforms fill in or replace the fields they own. */
export interface Sample {
  /** Index of the sample in its dataset. */
  index: number;
  imgPath: string;
  /** Segmentation annotation file, when there is one. */
  segMapPath?: string;
  /** Depth annotation file, when there is one. */
  depthMapPath?: string;
  meta: DatasetMeta;
  /** The volume this sample is a slice of, when its files are volumes. */
  volume?: VolumeSlice;
  img?: Image;
  gtSegMap?: LabelMap;
  /** A 3D image [D, H, W, C], float32 (LoadBiomedicalImageFromFile). */
  img3d?: Grid3<Float32Array>;
  /** The 3D label volume [D, H, W] of class ids (LoadBiomedicalAnnotation). */
  gtSeg3d?: Grid3<Uint8Array>;
  /** The geometry of img3d as loaded, before any resampling. */
  geometry?: VolumeGeometry;
  /** The voxel size of img3d now, [d, h, w] in mm (ResampleToSpacing changes it; geometry keeps the file's). */
  spacing?: Shape3;
  gtDepthMap?: DepthMap;
  /** [H, W] as loaded, before any resize. */
  oriShape?: [number, number];
  /** [H, W] after resizing / cropping (before padding). */
  imgShape?: [number, number];
  /** [H, W] after padding. */
  padShape?: [number, number];
  /** [h-scale, w-scale] of the last resize. */
  scaleFactor?: [number, number];
  flip?: boolean;
}

/** One step of a pipeline (mmseg's transforms): returns the sample it was given, updated, or a new one. */
export interface Transform {
  readonly type: string;
  apply(sample: Sample, rng: Rng): Sample | Promise<Sample>;
}

/** A dataset: a list of samples (paths and label conventions) plus the pipeline that loads them. */
export interface Dataset {
  readonly meta: DatasetMeta;
  /** Samples in the dataset; read after `open` where the dataset has one. */
  readonly length: number;
  /** Read what the dataset must know before its length (the slice counts of volume files); the loaders await it. */
  open?(): Promise<void>;
  /** The paths and conventions of sample i, without pixel data. */
  info(index: number): Sample;
  /** Sample i run through the pipeline; `rng` drives the random transforms. */
  get(index: number, rng: Rng): Promise<Sample>;
}
