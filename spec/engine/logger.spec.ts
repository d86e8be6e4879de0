/** The training log lines: the ETA counts iterations only, not the start-up before them. */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainLogger, type IterRecord } from '../../lib/engine/logger.js';

function record(iter: number, time: number): IterRecord {
  return { iter, lr: 1e-3, values: { loss: 0.5 }, time, dataTime: 0.01, memoryMB: 40, tensors: 100 };
}

describe('TrainLogger', () => {
  it('estimates the time left from the mean iteration time, whatever the start-up took', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segvit-logger-'));
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((line: string) => lines.push(line) > 0) as typeof process.stderr.write;
    try {
      const logger = new TrainLogger(dir, 1000, 0, false);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // e.g. generating the dataset
      logger.interval(record(99, 0.2)); // 900 left at 0.2 s: 3 min
      logger.interval(record(199, 0.4)); // 800 left at the mean 0.3 s: 4 min
      logger.close();
    } finally {
      process.stderr.write = write;
    }
    expect(lines.map((l) => l.trim().split(' eta ')[1])).to.deep.equal(['0:03:00', '0:04:00']);
    expect(lines[0]).to.match(/^iter 100\/1000 lr 1\.000e-3 loss 0\.5000 0\.200 s\/it \(data 0\.010\) mem 40 MB eta/);
    expect(readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n')).to.have.length(2);
    rmSync(dir, { recursive: true });
  });
});
