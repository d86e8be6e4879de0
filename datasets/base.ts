/**
 * mmseg's BaseSegDataset: images and label maps paired by name (see FileDataset), with the label conventions of
 * segmentation: reduce_zero_label, label_map, ignore_index and the classes of METAINFO or `metainfo`. A
 * `seg_map_suffix` containing `{class}` means one binary mask per class (see class-masks.ts). Each format
 * (subclass) sets METAINFO and FORMAT, as mmseg's subclasses pass their fixed arguments, and declares its options
 * with their defaults (`OPTIONS`).
 */
import { Type, type TBoolean, type TOptional, type TString } from '@sinclair/typebox';
import {
  constant,
  defineOptions,
  nullable,
  option,
  optional,
  required,
  type OptionsInput,
  type ResolvedOptions,
  type TDefault,
} from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import type { BuildContext } from '../lib/registry.js';
import { FileDataset, locationOptions, registerDataset, sampleOptions, type FormatDefaults } from './file-dataset.js';
import { resolveClasses, type Metainfo, type Rgb } from './meta.js';
import type { DatasetMeta } from './types.js';

const labelId = Type.Integer({ minimum: 0, maximum: 255 });
const rgb = Type.Unsafe<Rgb>({ type: 'array', items: labelId, minItems: 3, maxItems: 3 });
/** Old label id (a decimal key) -> new id. */
const labelMapSchema = Type.Unsafe<Record<string, number>>({
  type: 'object',
  propertyNames: { pattern: '^[0-9]+$' },
  additionalProperties: labelId,
});

/** `{classes, palette}` replacing a format's; `classes` required where the format has none. */
function metainfoSchema(classesRequired: boolean) {
  const classes = Type.Array(Type.String(), { minItems: 1 });
  return Type.Object(
    {
      classes: (classesRequired ? classes : Type.Optional(classes)) as TOptional<typeof classes>,
      palette: Type.Optional(Type.Array(rgb)),
    },
    { additionalProperties: false },
  );
}

/** The options of segmentation format `cls`, with the defaults of its FORMAT and METAINFO. */
export function segDatasetOptions(
  type: string,
  description: string,
  cls: { FORMAT: FormatDefaults; METAINFO: Metainfo },
) {
  const format = cls.FORMAT;
  const rzl = format.reduceZeroLabel;
  const customClasses = cls.METAINFO.classes === undefined;
  const splitFile = 'split file of names without suffix, relative to data_root';
  const metainfo = 'class names (index = class id) and palette; a subset of the classes maps the others to ignore';
  return defineOptions(type, description, {
    ...locationOptions(format, 'seg_map_path'),
    seg_map_suffix: option(
      Type.String(),
      format.annSuffix,
      "file name ending of the label maps; '{class}' in it: one binary mask per class",
    ),
    ann_file: (format.annFileRequired
      ? required(Type.String({ minLength: 1 }), splitFile)
      : option(Type.String(), '', `${splitFile}; '': every image`)) as TDefault<TString>,
    reduce_zero_label: option(
      (format.fixedReduceZeroLabel ? constant(rzl) : Type.Boolean()) as TBoolean,
      rzl,
      'label 0 is not a class: 0 -> ignore_index, every other label - 1',
    ),
    label_map: option(
      nullable(labelMapSchema),
      format.labelMap === undefined ? null : Object.fromEntries(Object.entries(format.labelMap).map(([k, v]) => [String(k), v])),
      'old label id -> new id, applied after reduce_zero_label',
    ),
    ignore_index: option(labelId, 255, 'label value of unlabelled pixels'),
    metainfo: (customClasses
      ? required(metainfoSchema(true), metainfo)
      : optional(metainfoSchema(false), metainfo)) as TOptional<ReturnType<typeof metainfoSchema>>,
    ...sampleOptions,
  });
}

export type SegDatasetDeclaration = ReturnType<typeof segDatasetOptions>;
export type BaseSegDatasetOptions = OptionsInput<SegDatasetDeclaration>;

/** The label conventions of a segmentation dataset of METAINFO `format` with resolved options `o`. */
function segMeta(format: Metainfo, o: ResolvedOptions<SegDatasetDeclaration>): DatasetMeta {
  const labelMap = o.label_map === null ? undefined : numericKeys(o.label_map);
  const resolved = resolveClasses(format, o.metainfo, labelMap, o.ignore_index);
  return {
    task: 'segmentation',
    classes: resolved.classes,
    palette: resolved.palette,
    reduceZeroLabel: o.reduce_zero_label,
    ...(resolved.labelMap === undefined ? {} : { labelMap: resolved.labelMap }),
    ignoreIndex: o.ignore_index,
  };
}

function numericKeys(map: Record<string, number>): Record<number, number> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [Number(key), value]));
}

export class BaseSegDataset extends FileDataset {
  /** The format's classes and palette; none for the custom folder dataset (metainfo.classes required). */
  static readonly METAINFO: Metainfo = {};
  static readonly OPTIONS: SegDatasetDeclaration = segDatasetOptions(
    'BaseSegDataset',
    'custom folder dataset: images and label maps paired by name; metainfo.classes required',
    this,
  );

  constructor(options: BaseSegDatasetOptions = {}, ctx?: BuildContext) {
    const { OPTIONS, METAINFO } = new.target;
    const o = resolveOptions(OPTIONS, options, ctx);
    super(o, { dir: o.data_prefix.seg_map_path, suffix: o.seg_map_suffix }, segMeta(METAINFO, o));
  }
}

registerDataset(BaseSegDataset.OPTIONS, (o, ctx) => new BaseSegDataset(o, ctx));
