/**
 * Speed and memory benchmarks (`npm run bench`): median wall time of a few repeats after a warm-up, memory, and a
 * leak check (tensor count before and after). Memory on wasm is the wasm heap size after the case: the heap only
 * grows, so it is the process's peak so far (tfjs's own byte count double-counts shared buffers). On other
 * backends it is tf.profile's peak. Backends: wasm and cpu by default, or the one named by SEGVIT_BACKEND.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadAllBackends, memoryMB } from '../../lib/backend.js';
import { SwinTransformer, SWIN_PRESETS } from '../../lib/backbones/swin.js';
import { UPerHead } from '../../heads/uper.js';
import { FCNHead } from '../../heads/fcn.js';
import { CrossEntropyLoss } from '../../lib/losses/cross-entropy.js';
import { EncoderDecoder, totalLoss } from '../../lib/segmentors/encoder-decoder.js';

interface Row {
  case: string;
  backend: string;
  ms: number;
  memoryMB: number;
  leaked: number;
}

async function measure(name: string, backend: string, repeats: number, run: () => tf.Tensor | tf.Tensor[]): Promise<Row> {
  process.stderr.write(`bench: ${name} on ${backend}\n`);
  await tf.setBackend(backend);
  tf.dispose(run()); // warm-up (kernel compilation, weight upload)
  const before = tf.memory().numTensors;
  const times: number[] = [];
  let peak = 0;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const info = await tf.profile(() => {
      const out = run();
      const list = Array.isArray(out) ? out : [out];
      for (const t of list) t.dataSync();
      tf.dispose(list);
      return tf.scalar(0);
    });
    times.push(performance.now() - start);
    peak = Math.max(peak, info.peakBytes);
    tf.dispose(info.result);
  }
  times.sort((a, b) => a - b);
  const memory = backend === 'wasm' ? memoryMB() : peak / 2 ** 20;
  return { case: name, backend, ms: times[Math.floor(times.length / 2)], memoryMB: memory, leaked: tf.memory().numTensors - before };
}

function upernetSwinT(): EncoderDecoder {
  const bn = { type: 'SyncBN' } as const;
  return new EncoderDecoder({
    backbone: new SwinTransformer({ ...SWIN_PRESETS['swin-t'], dropPathRate: 0.3 }),
    decodeHead: new UPerHead({ inChannels: [96, 192, 384, 768], inIndex: [0, 1, 2, 3], channels: 512, numClasses: 150, normCfg: bn }),
    auxiliaryHead: new FCNHead({
      inChannels: 384, inIndex: 2, channels: 256, numConvs: 1, concatInput: false, numClasses: 150, normCfg: bn,
      lossDecode: new CrossEntropyLoss({ lossWeight: 0.4 }),
    }),
  });
}

async function main(): Promise<void> {
  await loadAllBackends();
  const backends = process.env.SEGVIT_BACKEND ? [process.env.SEGVIT_BACKEND] : ['wasm', 'cpu'];
  const rows: Row[] = [];
  for (const backend of backends) {
    await tf.setBackend(backend);
    const x = tf.randomNormal([2, 64, 64, 64]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 64]) as tf.Tensor4D;
    rows.push(await measure('conv3x3 64->64 @64x64 b2: weight gradient', backend, 5, () => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w)));

    const swin = new SwinTransformer(SWIN_PRESETS['swin-t']).eval();
    const side = backend === 'cpu' ? 224 : 512; // the cpu backend takes minutes at 512
    const img = tf.randomNormal([1, side, side, 3]) as tf.Tensor4D;
    rows.push(await measure(`Swin-T backbone forward ${side}x${side} b1`, backend, 3, () => swin.forward(img)));
    swin.dispose();

    if (backend !== 'cpu') {
      const model = upernetSwinT();
      const vars = model.trainableParameters().map(([, v]) => v);
      const batch = tf.randomNormal([1, 128, 128, 3]) as tf.Tensor4D;
      const label = tf.randomUniformInt([1, 128, 128], 0, 150) as tf.Tensor3D;
      rows.push(
        await measure('UPerNet Swin-T 150 cls train step 128x128 b1 (fwd+bwd)', backend, 3, () => {
          const { value, grads } = tf.variableGrads(() => totalLoss(model.forwardTrain(batch, label)), vars);
          return [value, ...Object.values(grads)];
        }),
      );
      model.dispose();
    }
  }
  console.log('| case | backend | median ms | memory MB | leaked tensors |\n|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.case} | ${r.backend} | ${r.ms.toFixed(0)} | ${r.memoryMB.toFixed(0)} | ${r.leaked} |`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
