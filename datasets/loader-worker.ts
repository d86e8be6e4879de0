/**
 * A DataLoader worker thread: builds the dataset from its config through the registries, then answers
 * {id, index, seed} requests with the sample run through the pipeline, its pixel buffers transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import '../lib/components.js';
import { Rng } from '../lib/random.js';
import { buildDataset, importModules } from './loader/build.js';
import { forTransfer, toErrorData, type LoadRequest, type WorkerInit, type WorkerReply } from './loader/protocol.js';
import type { Dataset } from './types.js';

if (parentPort === null) throw new Error('loader-worker.js runs as a worker thread of a DataLoader');
const port = parentPort;
const init = workerData as WorkerInit;

async function answer(dataset: Dataset, request: LoadRequest): Promise<void> {
  try {
    const { sample, transfer } = forTransfer(await dataset.get(request.index, new Rng(request.seed)));
    port.postMessage({ type: 'sample', id: request.id, sample } satisfies WorkerReply, transfer);
  } catch (err) {
    port.postMessage({ type: 'error', id: request.id, error: toErrorData(err) } satisfies WorkerReply);
  }
}

try {
  await importModules(init.imports);
  const dataset = await buildDataset(init.datasetConfig, 'dataset');
  port.on('message', (request: LoadRequest) => void answer(dataset, request));
} catch (err) {
  const error = toErrorData(err);
  const message = `cannot build the dataset: ${error.message}`;
  port.postMessage({ type: 'failed', error: { ...error, message } } satisfies WorkerReply);
}
