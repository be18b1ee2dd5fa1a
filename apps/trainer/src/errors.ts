/** Stable codes carried by {@link MmauxTrainerError}; the CLI maps them to exit codes. */
export type TrainerErrorCode =
  | 'BAD_CONFIG'
  | 'BAD_RUN_DIR'
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'BAD_INPUT'
  | 'INTERRUPTED'
  | 'TRAINING_FAILED'
  | 'QUEUE_UNAVAILABLE';

/** The one error class of the trainer; the message says what was wrong, with what value, and what to do. */
export class MmauxTrainerError extends Error {
  readonly code: TrainerErrorCode;

  constructor(code: TrainerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MmauxTrainerError';
    this.code = code;
  }
}
