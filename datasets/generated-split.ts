/**
 * The on-disk cache of a built-in generated dataset (digits, synthetic depth): each split is generated once,
 * deterministically from its settings, as numbered PNG files in one or more folders (sample i is `{i:05d}.png` in
 * every folder), and recorded in `data_root/meta.json` (one entry per split: the settings, generator version
 * included, and a sha256 of the files). A split whose entry, file list or bytes do not match is regenerated,
 * never reused; the entry is written last, so an interrupted generation leaves none.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { choice, option, optional } from '../lib/config/declare.js';
import { positiveInt } from '../lib/config/schema-parts.js';
import { writeAtomic } from '../lib/files.js';
import { listFiles } from './files.js';

export const SPLITS = ['train', 'val'] as const;
export type SplitName = (typeof SPLITS)[number];

/** The split options of a generated dataset, whose splits have `defaultSamples` samples unless told. */
export function splitOptions(defaultSamples: Readonly<Record<SplitName, number>>) {
  const { train, val } = defaultSamples;
  return {
    split: option(choice(SPLITS), 'train', 'the split to generate (once) and read'),
    num_samples: optional(positiveInt, `samples of the split; default ${train} (train) / ${val} (val)`),
  };
}

/** The seed option of a generated dataset. */
export const seedOption = option(Type.Integer({ minimum: 0 }), 0, 'seed of the generator: the same seed, the same samples');

/** Settings that determine a split's files, as recorded in meta.json. */
export interface SplitSettings {
  /** Bumped whenever the generator's output changes, so older caches are regenerated. */
  generator: number;
  seed: number;
  count: number;
  [setting: string]: string | number | boolean | number[];
}

export interface GeneratedSplit {
  /** Names the dataset in progress lines (`digits: generating 300 val scenes (seed 0) into data/digits`). */
  name: string;
  root: string;
  split: string;
  /** The split's folders relative to root, e.g. ['img_dir/val', 'ann_dir/val']. */
  dirs: readonly string[];
  settings: SplitSettings;
  /** The samples in order: the files of each, one per folder of `dirs`. */
  samples: () => Iterator<readonly Uint8Array[]>;
}

/** A progress line per this many samples. */
const PROGRESS_EVERY = 500;

/** File name of sample i. */
export const sampleFile = (i: number): string => `${String(i).padStart(5, '0')}.png`;

type Records = Record<string, SplitSettings & { sha256?: string }>;

function readRecords(root: string): Records {
  try {
    return JSON.parse(readFileSync(join(root, 'meta.json'), 'utf8')) as Records;
  } catch {
    return {};
  }
}

function writeRecord(root: string, split: string, record: (SplitSettings & { sha256: string }) | undefined): void {
  const records = readRecords(root);
  if (record === undefined) delete records[split];
  else records[split] = record;
  writeAtomic(join(root, 'meta.json'), new TextEncoder().encode(`${JSON.stringify(records, null, 2)}\n`));
}

/** sha256 of the split's files, sample by sample, folder by folder. */
function hashFiles({ root, dirs, settings }: GeneratedSplit): string {
  const hash = createHash('sha256');
  for (let i = 0; i < settings.count; i++) for (const dir of dirs) hash.update(readFileSync(join(root, dir, sampleFile(i))));
  return hash.digest('hex');
}

/** Whether the cached split holds exactly the files its settings describe, unchanged. */
function cacheIsValid(spec: GeneratedSplit): boolean {
  const { sha256, ...settings } = readRecords(spec.root)[spec.split] ?? {};
  if (sha256 === undefined || JSON.stringify(settings) !== JSON.stringify(spec.settings)) return false;
  const names = Array.from({ length: spec.settings.count }, (_, i) => sampleFile(i));
  for (const dir of spec.dirs) {
    const path = join(spec.root, dir);
    if (!existsSync(path) || JSON.stringify(listFiles(path, '.png')) !== JSON.stringify(names)) return false;
  }
  return hashFiles(spec) === sha256;
}

/** Write the split's samples, then its meta.json entry. */
function generate(spec: GeneratedSplit): void {
  const { name, root, split, dirs, settings } = spec;
  writeRecord(root, split, undefined);
  for (const dir of dirs) {
    rmSync(join(root, dir), { recursive: true, force: true });
    mkdirSync(join(root, dir), { recursive: true });
  }
  const { count, seed } = settings;
  process.stderr.write(`${name}: generating ${count} ${split} scenes (seed ${seed}) into ${root}\n`);
  const hash = createHash('sha256');
  const samples = spec.samples();
  for (let i = 0; i < count; i++) {
    const files = samples.next().value as readonly Uint8Array[];
    files.forEach((bytes, k) => {
      writeFileSync(join(root, dirs[k]!, sampleFile(i)), bytes);
      hash.update(bytes);
    });
    if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === count) process.stderr.write(`${name}: ${split} ${i + 1}/${count}\n`);
  }
  writeRecord(root, split, { ...settings, sha256: hash.digest('hex') });
}

/** Make sure the cache of `spec`'s split exists and matches its settings (generating it if not). */
export function ensureGeneratedSplit(spec: GeneratedSplit): void {
  mkdirSync(spec.root, { recursive: true });
  if (!cacheIsValid(spec)) generate(spec);
}
