/**
 * mmseg's BaseSegDataset: images and annotations paired by name in two folders, or listed in a split file.
 *
 * ```
 * data_root/
 *   <data_prefix.img_path>/     xxx{img_suffix}, sub/yyy{img_suffix}, ...
 *   <data_prefix.seg_map_path>/ xxx{seg_map_suffix}, sub/yyy{seg_map_suffix}, ...
 *   <ann_file>                  optional split file: one name per line, without suffix (xxx, sub/yyy)
 * ```
 * Without `ann_file` every image below the image folder (recursively, sorted) is a sample. A split-file line may
 * also be a pair `img_relpath ann_relpath [...]` (BTS/KITTI lists), relative to the two folders; a pair whose
 * annotation is `None` is skipped. A `seg_map_suffix` containing `{class}` means one binary mask per class
 * (see class-masks.ts). Only paths are kept in memory; pixels are read by the pipeline's loading transforms.
 * Subclasses (the formats) set METAINFO and FORMAT as mmseg's subclasses pass their fixed arguments.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../lib/random.js';
import { classMasksExist, isClassMaskTemplate } from './class-masks.js';
import { listFiles, readLines, underRoot } from './files.js';
import { resolveClasses, type Metainfo } from './meta.js';
import type { Dataset, DatasetMeta, Sample, Transform } from './types.js';

/** Where the files are, relative to data_root unless absolute. `null` annotation folder: images only. */
export interface DataPrefix {
  imgPath?: string;
  segMapPath?: string | null;
  depthMapPath?: string | null;
}

/** mmseg's BaseSegDataset arguments (camelCase); unset ones take the format's defaults. */
export interface BaseSegDatasetOptions {
  /** Folder that data_prefix and annFile are relative to; default '' (the working directory). */
  dataRoot?: string;
  dataPrefix?: DataPrefix;
  imgSuffix?: string;
  segMapSuffix?: string;
  /** Split file; '' lists the image folder. */
  annFile?: string;
  reduceZeroLabel?: boolean;
  /** Old label id -> new id, applied after reduce_zero_label. */
  labelMap?: Record<number, number> | null;
  ignoreIndex?: number;
  /** Class names / palette replacing the format's; a subset of a format's classes maps the others to ignore. */
  metainfo?: Metainfo;
  /** Keep only the first n samples, or these indices. */
  indices?: number | number[];
  /** Transforms run by get(). */
  pipeline?: Transform[];
}

/** What a format fixes or defaults (mmseg's subclass arguments). */
export interface FormatDefaults {
  imgPath: string;
  /** Default annotation folder (seg_map_path, or depth_map_path for depth datasets). */
  annPath: string | null;
  imgSuffix: string;
  annSuffix: string;
  reduceZeroLabel: boolean;
  /** reduce_zero_label cannot be changed (ADE20K, Pascal Context). */
  fixedReduceZeroLabel?: boolean;
  /** A split file must be given (VOC, Pascal Context). */
  annFileRequired?: boolean;
}

/** Where a dataset's annotations are: folder (null: none) and file suffix. */
export interface AnnotationLayout {
  dir: string | null;
  suffix: string;
}

/** An image and the annotation it is paired with, both as joined paths. */
interface Pair {
  img: string;
  ann?: string;
}

export class BaseSegDataset implements Dataset {
  /** The format's classes and palette; none for the custom folder dataset (metainfo.classes required). */
  static readonly METAINFO: Metainfo = {};
  static readonly FORMAT: FormatDefaults = {
    imgPath: '',
    annPath: '',
    imgSuffix: '.jpg',
    annSuffix: '.png',
    reduceZeroLabel: false,
  };

  readonly meta: DatasetMeta;
  readonly pipeline: readonly Transform[];
  readonly #pairs: Pair[];

  constructor(options: BaseSegDatasetOptions = {}) {
    const format = (this.constructor as typeof BaseSegDataset).FORMAT;
    const rzl = options.reduceZeroLabel;
    if (format.fixedReduceZeroLabel === true && rzl !== undefined && rzl !== format.reduceZeroLabel) {
      throw new Error(`${this.constructor.name}: reduce_zero_label is fixed to ${format.reduceZeroLabel}`);
    }
    this.meta = this.resolveMeta(options);
    this.pipeline = [...(options.pipeline ?? [])];
    this.#pairs = selectIndices(this.#listPairs(options, format), options.indices);
    this.#checkSomeAnnotationExists();
  }

  get length(): number {
    return this.#pairs.length;
  }

  /** The paths and conventions of sample `index`, without pixel data. */
  info(index: number): Sample {
    const pair = this.#pairs[index];
    if (!Number.isInteger(index) || pair === undefined) {
      throw new RangeError(`sample ${index} out of range: the dataset has ${this.length} samples`);
    }
    const sample: Sample = { index, imgPath: pair.img, meta: this.meta };
    if (pair.ann !== undefined) sample[this.meta.task === 'depth' ? 'depthMapPath' : 'segMapPath'] = pair.ann;
    return sample;
  }

  /** Sample `index` run through the pipeline, each transform's `apply` in order. */
  async get(index: number, rng: Rng): Promise<Sample> {
    let sample = this.info(index);
    for (const transform of this.pipeline) sample = await transform.apply(sample, rng);
    return sample;
  }

  /** The label conventions of this dataset (segmentation; depth datasets override). */
  protected resolveMeta(options: BaseSegDatasetOptions): DatasetMeta {
    const cls = this.constructor as typeof BaseSegDataset;
    const ignoreIndex = options.ignoreIndex ?? 255;
    const resolved = resolveClasses(cls.METAINFO, options.metainfo, options.labelMap ?? undefined, ignoreIndex);
    return {
      task: 'segmentation',
      classes: resolved.classes,
      palette: resolved.palette,
      reduceZeroLabel: options.reduceZeroLabel ?? cls.FORMAT.reduceZeroLabel,
      ...(resolved.labelMap === undefined ? {} : { labelMap: resolved.labelMap }),
      ignoreIndex,
    };
  }

  /** The annotation option names of this task, for messages. */
  protected annotationOptions(): { path: string; suffix: string } {
    return this.meta.task === 'depth'
      ? { path: 'data_prefix.depth_map_path', suffix: 'depth_map_suffix' }
      : { path: 'data_prefix.seg_map_path', suffix: 'seg_map_suffix' };
  }

  /** Annotation folder and suffix from the options (depth datasets read their own option names). */
  protected annotationLayout(options: BaseSegDatasetOptions, format: FormatDefaults): AnnotationLayout {
    const dir = options.dataPrefix?.segMapPath === undefined ? format.annPath : options.dataPrefix.segMapPath;
    return { dir, suffix: options.segMapSuffix ?? format.annSuffix };
  }

  /** The annotation of the image named `stem` (relative path without img_suffix). */
  protected annotationFor(stem: string, dir: string, suffix: string): string {
    return join(dir, stem + suffix);
  }

  /** Image/annotation pairs from the image folder, or from the split file when there is one. */
  #listPairs(options: BaseSegDatasetOptions, format: FormatDefaults): Pair[] {
    const root = options.dataRoot ?? '';
    const imgDir = underRoot(root, options.dataPrefix?.imgPath ?? format.imgPath);
    const layout = this.annotationLayout(options, format);
    const annDir = layout.dir === null ? null : underRoot(root, layout.dir);
    const imgSuffix = options.imgSuffix ?? format.imgSuffix;
    const byStem = (stem: string): Pair => ({
      img: join(imgDir, stem + imgSuffix),
      ...(annDir === null ? {} : { ann: this.annotationFor(stem, annDir, layout.suffix) }),
    });
    const annFile = options.annFile ?? '';
    if (annFile !== '') return splitFilePairs(underRoot(root, annFile), byStem, imgDir, annDir);
    if (format.annFileRequired === true) throw new Error(`${this.constructor.name}: ann_file (the split file) is required`);
    const stems = listFiles(imgDir, imgSuffix, 'image folder').map((rel) => rel.slice(0, rel.length - imgSuffix.length));
    if (stems.length === 0) throw new Error(`no image ending in '${imgSuffix}' below ${imgDir} (img_suffix?)`);
    return stems.map(byStem);
  }

  /** Fail early when no image has its annotation: the annotation folder or suffix is wrong. */
  #checkSomeAnnotationExists(): void {
    const exists = (path: string): boolean =>
      isClassMaskTemplate(path) ? classMasksExist(path, this.meta.classes) : existsSync(path);
    const withAnnotation = this.#pairs.filter((pair) => pair.ann !== undefined);
    const [first] = withAnnotation;
    if (first === undefined || withAnnotation.some((pair) => exists(pair.ann!))) return;
    const { path, suffix } = this.annotationOptions();
    throw new Error(
      `no annotation found for any of the ${withAnnotation.length} images, e.g. ${first.ann} for ${first.img}: ` +
        `check ${path} and ${suffix}`,
    );
  }
}

/**
 * The pairs of a split file: a name per line (paired by `byStem`), or `img_relpath ann_relpath [...]` per line
 * (BTS lists), skipping pairs whose annotation is `None`.
 */
function splitFilePairs(file: string, byStem: (stem: string) => Pair, imgDir: string, annDir: string | null): Pair[] {
  const pairs = readLines(file).flatMap((line): Pair[] => {
    const [img, ann] = line.split(/\s+/) as [string, string | undefined];
    if (ann === undefined) return [byStem(img)];
    if (ann === 'None') return [];
    return [{ img: join(imgDir, img), ...(annDir === null ? {} : { ann: join(annDir, ann) }) }];
  });
  if (pairs.length === 0) throw new Error(`ann_file ${file} lists no sample`);
  return pairs;
}

function selectIndices<T>(items: T[], indices: number | number[] | undefined): T[] {
  if (indices === undefined) return items;
  if (typeof indices === 'number') return items.slice(0, indices);
  return indices.map((i) => {
    const item = items[i];
    if (item === undefined) throw new RangeError(`indices: ${i} out of range (${items.length} samples)`);
    return item;
  });
}
