/**
 * The raw Synapse challenge volumes (BTCV: `img/imgXXXX.nii.gz`, `label/labelXXXX.nii.gz`, 13 organ labels) in
 * TransUNet's layout: HU clipped to [-125, 275] and scaled to [0, 1], the 13 labels mapped to TransUNet's 8 organs,
 * the 18 training cases as slices and the 12 test cases (TransUNet's test_vol.txt) as volumes. Volumes are read
 * [Z, Y, X], so slices are axial planes [Y, X].
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti } from './nifti.js';
import { mappedLabels, SliceLayoutWriter, windowed, type LayoutSummary } from './slice-layout.js';

/** TransUNet's organs from the challenge labels: aorta 8, gallbladder 4, left kidney 3, right kidney 2, liver 6, pancreas 11, spleen 1, stomach 7. */
export const SYNAPSE_LABEL_MAP: ReadonlyMap<number, number> = new Map([
  [8, 1], [4, 2], [3, 3], [2, 4], [6, 5], [11, 6], [1, 7], [7, 8],
]);

/** TransUNet's lists/lists_Synapse/test_vol.txt. */
export const SYNAPSE_TEST_CASES: readonly string[] = [
  'case0008', 'case0022', 'case0038', 'case0036', 'case0032', 'case0002', 'case0029', 'case0003', 'case0001', 'case0004',
  'case0025', 'case0035',
];

export const SYNAPSE_HU_WINDOW: [number, number] = [-125, 275];

/** The folder holding img/ and label/: `raw` itself, or its Training/ or RawData/Training/. */
function trainingDir(raw: string): string {
  const found = [raw, join(raw, 'Training'), join(raw, 'RawData', 'Training')].find((d) => existsSync(join(d, 'img')));
  if (found === undefined) throw new Error(`${raw}: no img/ folder (nor Training/img, RawData/Training/img): give the unpacked RawData folder`);
  return found;
}

/** Convert every labelled case below `raw` into `out`; `progress` is told each case written. */
export async function convertSynapse(
  raw: string,
  out: string,
  progress: (line: string) => void = () => {},
): Promise<LayoutSummary> {
  const dir = trainingDir(raw);
  const images = readdirSync(join(dir, 'img')).filter((f) => /^img\d+\.nii(\.gz)?$/.test(f)).sort();
  if (images.length === 0) throw new Error(`${join(dir, 'img')}: no imgXXXX.nii.gz`);
  const writer = new SliceLayoutWriter(out);
  for (const [i, file] of images.entries()) {
    const id = /\d+/.exec(file)![0];
    const imagePath = join(dir, 'img', file);
    const labelPath = join(dir, 'label', file.replace(/^img/, 'label'));
    if (!existsSync(labelPath)) throw new Error(`${labelPath}: missing, the label of ${imagePath}`);
    const [image, label] = [await readNifti(imagePath), await readNifti(labelPath)];
    if (image.shape.join() !== label.shape.join()) {
      throw new Error(`${imagePath} is [${image.shape.join(', ')}] but its label ${labelPath} is [${label.shape.join(', ')}]`);
    }
    const name = `case${id}`;
    const split = SYNAPSE_TEST_CASES.includes(name) ? 'test' : 'train';
    const shape = image.shape as [number, number, number];
    await writer.add({ name, split, shape, image: windowed(image.data, SYNAPSE_HU_WINDOW), label: mappedLabels(label.data, SYNAPSE_LABEL_MAP) });
    progress(`${i + 1}/${images.length} ${name} (${split}, ${shape[0]} slices)`);
  }
  return writer.finish();
}
