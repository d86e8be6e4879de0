/**
 * Errors about the files of a dataset. Each message names the file(s) and, where there is one, the likely fix, so
 * a bad sample is found without a debugger; `segvit dataset` collects them instead of stopping at the first.
 */

/** A data file that cannot be used: unreadable, corrupt, of the wrong kind or size. */
export class DataFileError extends Error {
  override readonly name: string = 'DataFileError';

  /** @param file the offending file, named at the start of the message */
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** An image whose annotation file does not exist. */
export class MissingAnnotationError extends DataFileError {
  override readonly name = 'MissingAnnotationError';

  constructor(
    readonly imgPath: string,
    annotationPath: string,
  ) {
    super(annotationPath, `missing annotation of image ${imgPath}`);
  }
}

/** A label map holding values that are neither class ids nor ignore_index (after reduce_zero_label and label_map). */
export class LabelValueError extends DataFileError {
  override readonly name = 'LabelValueError';

  /** @param values the offending values, ascending */
  constructor(
    file: string,
    readonly values: readonly number[],
    reason: string,
  ) {
    super(file, reason);
  }
}

/** The message of a Node file-system error without its repeated path (`ENOENT: no such file or directory`). */
export function systemReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && typeof e.message === 'string') return e.message.split(',')[0] ?? e.code;
  return err instanceof Error ? err.message : String(err);
}
