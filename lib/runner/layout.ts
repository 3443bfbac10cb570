/**
 * The files and folders of a step's staging directory (`/pw` in AWS Batch, a temp dir locally).
 */
import { join } from 'node:path';

/** Paths inside one staging directory. */
export interface StepDirLayout {
  /** The staging directory itself. */
  readonly root: string;
  /** The step's working directory: a fresh copy of its code tree (or empty). */
  readonly work: string;
  /** `$PW_INPUTS`: one file or directory per input. */
  readonly inputs: string;
  /** `$PW_OUTPUTS`: where the step writes one file or directory per output. */
  readonly outputs: string;
  /** `$PW_PARAMS`: the declared parameters' typed values as JSON. */
  readonly params: string;
  /** `$PW_METRICS`: JSON lines the step appends. */
  readonly metrics: string;
  /** Captured standard output. */
  readonly stdout: string;
  /** Captured standard error. */
  readonly stderr: string;
  /** The POSIX sh wrapper a user container runs (`/bin/sh <root>/step.sh`). */
  readonly script: string;
  /** Written by step.sh: the command's exit status. */
  readonly exitCode: string;
  /** Written by step.sh: epoch seconds when the command started. */
  readonly startedAt: string;
  /** Written by step.sh: epoch seconds when the command ended. */
  readonly finishedAt: string;
  /** Written by stage-in: `{ "job": <hash>, "stagedAt": <ISO> }`. */
  readonly staged: string;
  /** A foreach item's file or directory is staged here, under its own name. */
  readonly item: string;
}

/** The layout of a staging directory. */
export function stepDirLayout(root: string): StepDirLayout {
  return {
    root,
    work: join(root, 'work'),
    inputs: join(root, 'inputs'),
    outputs: join(root, 'outputs'),
    params: join(root, 'params.json'),
    metrics: join(root, 'metrics.jsonl'),
    stdout: join(root, 'stdout'),
    stderr: join(root, 'stderr'),
    script: join(root, 'step.sh'),
    exitCode: join(root, 'exit_code'),
    startedAt: join(root, 'started_at'),
    finishedAt: join(root, 'finished_at'),
    staged: join(root, 'staged.json'),
    item: join(root, 'item'),
  };
}
