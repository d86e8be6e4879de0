/**
 * The tasks segvit runs, keyed by the name a segmentor declares (`model.task`): training, `eval`, `predict`,
 * `forward` and `profile` go through the task, never the model's class. A new task is its file here and its entry.
 */
import type { Segmentor, SegmentorTask } from '../../segmentors/types.js';
import { depthTask } from './depth.js';
import { segmentationTask } from './segmentation.js';
import { segmentation3dTask } from './segmentation3d.js';
import type { Task } from './task.js';

export type { Evaluation, Evaluator, PredictOutputs, Task } from './task.js';

const TASKS: Record<SegmentorTask, (model: Segmentor) => Task> = {
  segmentation: segmentationTask,
  depth: depthTask,
  segmentation3d: segmentation3dTask,
};

/** The task a built model declares; a model that declares none, or a task segvit does not run, is an error that says so. */
export function taskOf(model: Segmentor): Task {
  const task: unknown = model.task;
  const [name, tasks] = [model.constructor.name, Object.keys(TASKS).join(', ')];
  if (typeof task !== 'string') throw new Error(`${name} is not a segmentor: a Segmentor declares its task (${tasks})`);
  if (!Object.hasOwn(TASKS, task)) throw new Error(`${name} declares task '${task}'; segvit runs ${tasks}`);
  return TASKS[task as SegmentorTask](model);
}
