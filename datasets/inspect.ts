/**
 * Checking a whole dataset, one sample at a time (nothing kept but counts): every image decoded, every annotation
 * read with the dataset's conventions; per-class pixel counts (segmentation) or the depth range (depth); and every
 * problem found (unreadable image, missing or unreadable annotation, label values that are not class ids, sizes
 * that differ), without stopping at the first. `segvit dataset` prints its report.
 */
import type { ComponentConfig } from '../lib/config/types.js';
import { DataFileError } from './errors.js';
import { histogram, invalidValues, labelValueError } from './labels.js';
import { readDepthMap, readSampleImage, readSegMap } from './loading.js';
import { LoadBiomedicalAnnotation, LoadBiomedicalImageFromFile } from './medical/loading3d.js';
import type { Dataset, Sample, Task } from './types.js';

export interface InspectOptions {
  /** reduce_zero_label of the pipeline's LoadAnnotations, when it overrides the dataset's. */
  reduceZeroLabel?: boolean;
  /** depth_rescale_factor of the pipeline's LoadDepthAnnotation. */
  depthRescaleFactor?: number | null;
  /** Called after each sample. */
  onProgress?: (done: number, total: number) => void;
}

/** Depth statistics over every annotated pixel. */
export interface DepthSummary {
  /** Pixels with a measurement (> 0). */
  validPixels: number;
  /** Pixels without one (0). */
  invalidPixels: number;
  /** Range of the measurements, metres. */
  min: number;
  max: number;
  /** Measurements beyond the dataset's max_depth. */
  beyondMax: number;
}

export interface DatasetReport {
  task: Task;
  samples: number;
  /** Samples whose annotation was read. */
  annotated: number;
  /** Segmentation: pixels of each class id. */
  classPixels: number[];
  /** Segmentation: pixels equal to ignore_index. */
  ignoredPixels: number;
  /** Segmentation: pixels that are neither (each file is also a problem). */
  invalidPixels: number;
  depth?: DepthSummary;
  /** One line per problem, each naming its file. */
  problems: string[];
}

/** The inspect options a dataset config's pipeline implies (its loading transforms' overrides). */
export function inspectOptions(dataset: ComponentConfig): InspectOptions {
  const steps = Array.isArray(dataset.pipeline) ? (dataset.pipeline as ComponentConfig[]) : [];
  const rzl = steps.find((step) => step.type === 'LoadAnnotations')?.reduce_zero_label;
  const factor = steps.find((step) => step.type === 'LoadDepthAnnotation')?.depth_rescale_factor;
  return {
    ...(typeof rzl === 'boolean' ? { reduceZeroLabel: rzl } : {}),
    ...(typeof factor === 'number' ? { depthRescaleFactor: factor } : {}),
  };
}

/** Run `check`, recording a data problem in `problems`; other errors (bugs) propagate. */
async function collect(problems: string[], check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (!(err instanceof DataFileError)) throw err;
    problems.push(err.message);
  }
}

function emptyReport(dataset: Dataset): DatasetReport {
  const { meta } = dataset;
  const depth: DepthSummary = { validPixels: 0, invalidPixels: 0, min: Infinity, max: -Infinity, beyondMax: 0 };
  return {
    task: meta.task,
    samples: dataset.length,
    annotated: 0,
    classPixels: meta.classes.map(() => 0),
    ignoredPixels: 0,
    invalidPixels: 0,
    ...(meta.task === 'depth' ? { depth } : {}),
    problems: [],
  };
}

/** Whether `path` is a NIfTI volume (read as a volume, not decoded as an image). */
const isVolume = (path: string) => /\.nii(\.gz)?$/i.test(path);

/** The class ids of `sample`'s annotation: its label map, or its label volume (checked against its image's grid). */
async function readClassIds(sample: Sample, reduceZeroLabel: boolean): Promise<Uint8Array> {
  if (!isVolume(sample.imgPath)) return (await readSegMap(sample, reduceZeroLabel)).data;
  const loaded = await new LoadBiomedicalImageFromFile().apply(sample);
  return (await new LoadBiomedicalAnnotation().apply(loaded)).gtSeg3d!.data;
}

async function addSegMap(report: DatasetReport, sample: Sample, reduceZeroLabel: boolean): Promise<void> {
  const { meta } = sample;
  const counts = histogram(await readClassIds(sample, reduceZeroLabel));
  report.annotated++;
  counts.forEach((count, value) => {
    if (value < meta.classes.length) report.classPixels[value]! += count;
    else if (value === meta.ignoreIndex) report.ignoredPixels += count;
    else report.invalidPixels += count;
  });
  const bad = invalidValues(counts, meta.classes.length, meta.ignoreIndex);
  if (bad.length > 0) throw labelValueError(sample.segMapPath!, bad, meta, reduceZeroLabel);
}

async function addDepthMap(summary: DepthSummary, sample: Sample, factor: number | null | undefined): Promise<void> {
  const maxDepth = sample.meta.maxDepth ?? Infinity;
  for (const metres of (await readDepthMap(sample, factor)).data) {
    if (metres <= 0) {
      summary.invalidPixels++;
      continue;
    }
    summary.validPixels++;
    summary.min = Math.min(summary.min, metres);
    summary.max = Math.max(summary.max, metres);
    if (metres > maxDepth) summary.beyondMax++;
  }
}

/** Read every sample of `dataset` once and report its pixel statistics and every problem found. */
export async function inspectDataset(dataset: Dataset, options: InspectOptions = {}): Promise<DatasetReport> {
  const report = emptyReport(dataset);
  const reduceZeroLabel = options.reduceZeroLabel ?? dataset.meta.reduceZeroLabel;
  for (let i = 0; i < dataset.length; i++) {
    let sample = dataset.info(i);
    if (!isVolume(sample.imgPath)) {
      await collect(report.problems, async () => {
        const img = await readSampleImage(sample);
        sample = { ...sample, oriShape: [img.height, img.width] };
      });
    }
    if (sample.segMapPath !== undefined) await collect(report.problems, () => addSegMap(report, sample, reduceZeroLabel));
    if (sample.depthMapPath !== undefined) {
      await collect(report.problems, async () => {
        await addDepthMap(report.depth!, sample, options.depthRescaleFactor);
        report.annotated++;
      });
    }
    options.onProgress?.(i + 1, dataset.length);
  }
  return report;
}
