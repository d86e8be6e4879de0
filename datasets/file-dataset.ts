/**
 * What every file format shares (mmseg's BaseSegDataset machinery): images and annotations paired by name in two
 * folders, or listed in a split file.
 *
 * ```
 * data_root/
 *   <data_prefix.img_path>/     xxx{img_suffix}, sub/yyy{img_suffix}, ...
 *   <annotation folder>/        xxx{annotation suffix}, sub/yyy{annotation suffix}, ...
 *   <ann_file>                  optional split file: one name per line, without suffix (xxx, sub/yyy)
 * ```
 * Without `ann_file` every image below the image folder (recursively, sorted) is a sample. A split-file line may
 * also be a pair `img_relpath ann_relpath [...]` (BTS/KITTI lists), relative to the two folders; a pair whose
 * annotation is `None` is skipped. Only paths are kept in memory; pixels are read by the pipeline's loading
 * transforms. Formats (subclasses) set FORMAT as mmseg's subclasses pass their fixed arguments; their option
 * declarations take their defaults from it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static, type TObject, type TString } from '@sinclair/typebox';
import {
  component,
  nullable,
  option,
  optional,
  type OptionsInput,
  type TDefault,
  type TNullable,
} from '../lib/config/declare.js';
import { ConfigError } from '../lib/config/errors.js';
import type { Rng } from '../lib/random.js';
import { registries, type BuildContext } from '../lib/registry.js';
import { classMasksExist, isClassMaskTemplate } from './class-masks.js';
import { listFiles, readLines, underRoot } from './files.js';
import type { Dataset, DatasetMeta, Sample, Transform } from './types.js';

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
  /** The default label_map (Synapse's 13 challenge labels to TransUNet's 8 organs). */
  labelMap?: Record<number, number>;
}

/** The first options of every format: where its images and annotations (`data_prefix[annPath]`) are. */
export function locationOptions<K extends string>(format: FormatDefaults, annPath: K) {
  const folders = {
    img_path: option(Type.String(), format.imgPath, 'image folder, relative to data_root'),
    [annPath]: option(nullable(Type.String()), format.annPath, 'annotation folder, relative to data_root; null: none'),
  } as { img_path: TDefault<TString> } & Record<K, TDefault<TNullable<TString>>>;
  const prefix = Type.Object(folders, { additionalProperties: false });
  return {
    data_root: option(Type.String(), '', 'folder that data_prefix and ann_file are relative to'),
    data_prefix: option(
      prefix,
      {} as Static<typeof prefix>,
      `image and annotation folders; left out: img_path ${JSON.stringify(format.imgPath)}, ` +
        `${annPath} ${JSON.stringify(format.annPath)}`,
    ),
    img_suffix: option(Type.String(), format.imgSuffix, 'file name ending of the images'),
  };
}

/** The last options of every format. */
export const sampleOptions = {
  indices: optional(
    Type.Union([Type.Integer({ minimum: 0 }), Type.Array(Type.Integer({ minimum: 0 }))]),
    'keep the first n samples, or these indices',
  ),
  pipeline: option(
    Type.Array(component('transform')),
    [],
    'transforms run on each sample, e.g. [{"type": "LoadImageFromFile"}, {"type": "LoadAnnotations"}]',
  ),
};

/** The resolved options a FileDataset reads (every format has them). */
export interface FileSource {
  data_root: string;
  data_prefix: { img_path: string };
  img_suffix: string;
  ann_file: string;
  indices?: number | number[];
  pipeline: Transform[];
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

export abstract class FileDataset implements Dataset {
  /** The defaults of a plain folder format. */
  static readonly FORMAT: FormatDefaults = {
    imgPath: '',
    annPath: '',
    imgSuffix: '.jpg',
    annSuffix: '.png',
    reduceZeroLabel: false,
  };

  readonly pipeline: readonly Transform[];
  readonly #pairs: Pair[];

  /**
   * @param o the format's resolved options
   * @param annotations where the annotations are (from the task's own options)
   * @param meta the label conventions
   */
  protected constructor(
    o: FileSource,
    annotations: AnnotationLayout,
    readonly meta: DatasetMeta,
  ) {
    this.pipeline = o.pipeline;
    this.#pairs = selectIndices(this.#listPairs(o, annotations), o.indices);
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

  /** The annotation option names of this task, for messages. */
  protected annotationOptions(): { path: string; suffix: string } {
    return this.meta.task === 'depth'
      ? { path: 'data_prefix.depth_map_path', suffix: 'depth_map_suffix' }
      : { path: 'data_prefix.seg_map_path', suffix: 'seg_map_suffix' };
  }

  /**
   * Whether the image named `stem`, found in the image folder, is a sample of this dataset with options `o` (ACDC:
   * the frames, not the 4D series or the ground truth beside them; Synapse: the cases of the split).
   */
  protected keepImage(_stem: string, _o: FileSource): boolean {
    return true;
  }

  /** The annotation of the image named `stem` (relative path without img_suffix). */
  protected annotationFor(stem: string, dir: string, suffix: string): string {
    return join(dir, stem + suffix);
  }

  /** Image/annotation pairs from the image folder, or from the split file when there is one. */
  #listPairs(o: FileSource, annotations: AnnotationLayout): Pair[] {
    const root = o.data_root;
    const imgDir = underRoot(root, o.data_prefix.img_path);
    const annDir = annotations.dir === null ? null : underRoot(root, annotations.dir);
    const imgSuffix = o.img_suffix;
    const byStem = (stem: string): Pair => ({
      img: join(imgDir, stem + imgSuffix),
      ...(annDir === null ? {} : { ann: this.annotationFor(stem, annDir, annotations.suffix) }),
    });
    if (o.ann_file !== '') return splitFilePairs(underRoot(root, o.ann_file), byStem, imgDir, annDir);
    const stems = listFiles(imgDir, imgSuffix, 'image folder')
      .map((rel) => rel.slice(0, rel.length - imgSuffix.length))
      .filter((stem) => this.keepImage(stem, o));
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
 * Register the dataset declared by `schema` (its title is the type), built by `create`. A construction error (a
 * missing folder, a bad split file, ...) names the config path, as validation errors do.
 */
export function registerDataset<S extends TObject>(
  schema: S,
  create: (options: OptionsInput<S>, ctx: BuildContext) => Dataset,
): void {
  registries.dataset.register(schema.title!, {
    schema,
    build: (o, ctx) => {
      try {
        return create(o, ctx);
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new Error(`${ctx.path}: ${(err as Error).message}`, { cause: err });
      }
    },
  });
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
