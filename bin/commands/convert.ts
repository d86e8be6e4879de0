/**
 * `segvit convert`: medical volumes into the layouts the medical configs read: TransUNet's 2D Synapse layout, and
 * NiftiFolderDataset folders for the 3D demo.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { convertHemispheres } from '../../datasets/medical/hemispheres.js';
import { convertNiftiSlices } from '../../datasets/medical/nifti-convert.js';
import { convertSynapse } from '../../datasets/medical/synapse-convert.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** `from:to,from:to` -> [[from, to], ...] (to exclusive). */
function parseSlabs(text: string): [number, number][] {
  return text.split(',').map((slab) => {
    const m = /^(\d+):(\d+)$/.exec(slab.trim());
    if (m === null) throw new Error(`--test-slabs: '${slab}' is not from:to (e.g. 60:72, slices 60..71)`);
    return [Number(m[1]), Number(m[2])];
  });
}

function parseWindow(text: string): [number, number] {
  const [lo, hi] = text.split(',').map(Number);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo! < hi!)) throw new Error(`--window: '${text}' is not lo,hi with lo < hi`);
  return [lo!, hi!];
}

/** The regions file: {"region": [source labels], ...}. */
function readRegions(file: string): Record<string, number[]> {
  const regions = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const valid =
    typeof regions === 'object' && regions !== null && !Array.isArray(regions) &&
    Object.values(regions).every((v) => Array.isArray(v) && v.every((x) => Number.isInteger(x)));
  if (!valid) throw new Error(`${file}: expected {"region name": [source label, ...], ...}`);
  return regions as Record<string, number[]>;
}

export function registerConvert(program: Command): void {
  const convert = program
    .command('convert')
    .description("write medical volumes in TransUNet's 2D layout (train_npz slices, test_vol_h5 volumes, lists), or as 3D hemispheres")
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit convert synapse ~/Downloads/RawData data/synapse\n' +
        '  $ segvit convert nifti ch2bet.nii.gz aal.nii.gz data/brain --regions configs/demo/aal-regions.json --test-slabs 40:50\n' +
        '  $ segvit convert hemispheres ch2bet.nii.gz aal.nii.gz data/brain3d --regions configs/demo/aal-regions.json',
    );
  convert
    .command('synapse')
    .description('the raw Synapse challenge scans: HU [-125, 275] -> [0, 1], 13 labels -> 8 organs, 18 train / 12 test cases')
    .argument('<raw>', 'the unpacked RawData folder (img/imgXXXX.nii.gz and label/labelXXXX.nii.gz, or Training/ below it)')
    .argument('<out>', 'output folder, e.g. data/synapse')
    .addHelpText('after', '\nExample:\n  $ segvit convert synapse ~/Downloads/RawData data/synapse')
    .action(async (raw: string, out: string) => {
      const summary = await convertSynapse(raw, out, log);
      console.log(`${out}: ${summary.trainSlices} training slices, ${summary.testCases} test volumes`);
    });
  convert
    .command('nifti')
    .description('one NIfTI image + label pair: labels grouped into regions, slabs of axial slices held out as test volumes')
    .argument('<image>', 'image volume (.nii or .nii.gz)')
    .argument('<label>', 'label volume on the same grid')
    .argument('<out>', 'output folder')
    .requiredOption('--regions <file>', 'JSON {"region": [source labels], ...}; class ids follow its order after background')
    .requiredOption('--test-slabs <list>', 'held-out axial slices, from:to (to exclusive), comma-separated')
    .option('--gap <n>', 'slices next to each slab kept out of training', '3')
    .option('--window <lo,hi>', "intensity window scaled to [0, 1] (default: the image's range)")
    .option('--name <name>', 'case name, prefix of every file', 'case')
    .addHelpText(
      'after',
      '\nExample (the brain demo):\n  $ segvit convert nifti data/mricron/ch2bet.nii.gz data/mricron/aal.nii.gz data/brain \\\n' +
        '      --regions configs/demo/aal-regions.json --test-slabs 50:62,80:92,110:122 --name ch2',
    )
    .action(async (image: string, label: string, out: string, o: { regions: string; testSlabs: string; gap: string; window?: string; name: string }) => {
      const gap = Number(o.gap);
      if (!Number.isInteger(gap) || gap < 0) throw new Error(`--gap: '${o.gap}' is not a whole number of slices`);
      const summary = await convertNiftiSlices({
        image, label, out, name: o.name, gap,
        regions: readRegions(o.regions),
        testSlabs: parseSlabs(o.testSlabs),
        ...(o.window === undefined ? {} : { window: parseWindow(o.window) }),
      });
      console.log(`${out}: ${summary.trainSlices} training slices, ${summary.testCases} test slabs; classes ${summary.classes.join(', ')}`);
    });
  convert
    .command('hemispheres')
    .description('one brain + atlas pair split at the midline: the left hemisphere to train on, the right one mirrored to validate')
    .argument('<image>', 'brain volume (.nii or .nii.gz) on an axis-aligned grid, world x = 0 at the midline')
    .argument('<label>', 'atlas label volume on the same grid')
    .argument('<out>', 'output folder: train/{images,labels}/left.nii.gz, val/{images,labels}/right_mirrored.nii.gz')
    .requiredOption('--regions <file>', 'JSON {"region": [atlas labels, ...]}: the classes, after background')
    .addHelpText(
      'after',
      '\nExample (the 3D brain demo):\n  $ segvit convert hemispheres data/mricron/ch2bet.nii.gz data/mricron/aal.nii.gz data/brain3d \\\n' +
        '      --regions configs/demo/aal-regions.json',
    )
    .action(async (image: string, label: string, out: string, o: { regions: string }) => {
      const { classes, shape } = await convertHemispheres({ image, label, out, regions: readRegions(o.regions) });
      console.log(`${out}: two hemispheres of [${shape.join(', ')}] voxels; classes ${classes.join(', ')}`);
    });
}
