/**
 * Training feedback: a progress bar with ETA on a terminal, plain periodic lines otherwise (CI logs); a JSONL log of
 * every logging interval and validation in the work dir; PNG plots of the losses and validation metrics.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { lineChart, type Series } from '../viz/chart.js';

export interface IterRecord {
  iter: number;
  lr: number;
  /** Loss terms and metrics reported by the model, averaged over the interval. */
  values: Record<string, number>;
  /** Seconds per iteration over the interval, and the part spent waiting for data. */
  time: number;
  dataTime: number;
  memoryMB: number;
  /** Live tfjs tensors: flat from interval to interval unless something leaks. */
  tensors: number;
}

export interface ValRecord {
  iter: number;
  metrics: Record<string, number>;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** A metric for a log line: 4 decimals below 1 (fractions: Dice, AbsRel), else 2 (percentages, distances). */
export function formatMetric(value: number): string {
  return value.toFixed(Math.abs(value) < 1 ? 4 : 2);
}

export class TrainLogger {
  readonly logFile: string;
  readonly #history: IterRecord[] = [];
  readonly #validations: ValRecord[] = [];
  readonly #bar?: cliProgress.SingleBar;
  readonly #started = Date.now();

  constructor(
    readonly workDir: string,
    readonly maxIters: number,
    readonly startIter: number,
    tty = Boolean(process.stderr.isTTY),
  ) {
    mkdirSync(workDir, { recursive: true });
    this.logFile = join(workDir, 'log.jsonl');
    if (tty) {
      this.#bar = new cliProgress.SingleBar(
        { format: 'train |{bar}| {value}/{total} iters | {loss} | ETA {eta_formatted}', stream: process.stderr, etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(maxIters, startIter, { loss: '' });
    }
  }

  /** Progress after each iteration (the bar only; lines and JSONL come per interval). */
  tick(iter: number, loss: number): void {
    this.#bar?.update(iter + 1, { loss: `loss ${loss.toFixed(4)}` });
  }

  /** One logging interval ended at `record.iter`. */
  interval(record: IterRecord): void {
    this.#history.push(record);
    appendFileSync(this.logFile, `${JSON.stringify({ mode: 'train', ...record })}\n`);
    if (this.#bar) return;
    // As mmengine: the mean iteration time so far times the iterations left (start-up such as generating a dataset
    // does not count).
    const meanTime = this.#history.reduce((sum, r) => sum + r.time, 0) / this.#history.length;
    const eta = meanTime * (this.maxIters - record.iter - 1);
    const terms = Object.entries(record.values).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
    this.message(
      `iter ${record.iter + 1}/${this.maxIters} lr ${record.lr.toExponential(3)} ${terms} ` +
        `${record.time.toFixed(3)} s/it (data ${record.dataTime.toFixed(3)}) mem ${record.memoryMB.toFixed(0)} MB eta ${duration(eta)}`,
    );
  }

  validation(record: ValRecord): void {
    this.#validations.push(record);
    appendFileSync(this.logFile, `${JSON.stringify({ mode: 'val', ...record })}\n`);
    const metrics = Object.entries(record.metrics).map(([k, v]) => `${k} ${formatMetric(v)}`).join(' ');
    this.message(`val at iter ${record.iter + 1}: ${metrics}`);
  }

  /** A line for the user, above the bar on a terminal. */
  message(line: string): void {
    if (this.#bar) {
      this.#bar.stop();
      process.stderr.write(`${line}\n`);
      this.#bar.start(this.maxIters, Math.min(this.maxIters, this.#lastIter() + 1), { loss: '' });
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  #lastIter(): number {
    return this.#history.at(-1)?.iter ?? this.startIter - 1;
  }

  /** loss.png (every loss term) and val.png (every validation metric) in the work dir. */
  async plot(): Promise<void> {
    const series = (records: { iter: number; values: Record<string, number> }[]): Series[] => {
      const names = [...new Set(records.flatMap((r) => Object.keys(r.values)))];
      return names.map((name) => ({ name, points: records.map((r) => [r.iter + 1, r.values[name] ?? NaN] as [number, number]) }));
    };
    const losses = series(this.#history.map((r) => ({ iter: r.iter, values: pick(r.values, (k) => k.includes('loss')) })));
    if (losses.length > 0) {
      writeFileSync(join(this.workDir, 'loss.png'), await lineChart({ title: 'Training loss', xLabel: 'iteration', yLabel: 'loss', series: losses }));
    }
    const vals = series(this.#validations.map((r) => ({ iter: r.iter, values: r.metrics })));
    if (vals.length > 0) {
      writeFileSync(join(this.workDir, 'val.png'), await lineChart({ title: 'Validation', xLabel: 'iteration', yLabel: 'metric', series: vals }));
    }
  }

  close(): void {
    this.#bar?.stop();
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.#started) / 1000;
  }
}

function pick(values: Record<string, number>, keep: (key: string) => boolean): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => keep(k)));
}
