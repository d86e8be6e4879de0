/** One thing wrong with a config: where (`model.decode_head.channels`, `configs/a.json:3:5`) and why. */
export interface ConfigProblem {
  readonly path: string;
  readonly reason: string;
}

/**
 * A bad config file, `_base_`, `--cfg-options` value or option. The message is one line, `<path>: <reason>`,
 * for the first problem; `problems` lists every problem found.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const [first] = problems;
    if (first === undefined) throw new Error('ConfigError needs at least one problem');
    super(`${first.path}: ${first.reason}`);
    this.problems = problems;
  }

  /** A ConfigError with a single problem. */
  static at(path: string, reason: string): ConfigError {
    return new ConfigError([{ path, reason }]);
  }
}
