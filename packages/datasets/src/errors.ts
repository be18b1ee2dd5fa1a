/** Stable codes carried by {@link MmauxDatasetError}; match on these, not on message text. */
export type DatasetErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_FORMAT'
  | 'INVALID_ROW'
  | 'UNKNOWN_LABEL'
  | 'DUPLICATE_ID'
  | 'EMPTY_TEXT'
  | 'BAD_IMAGE'
  | 'IMAGE_TOO_LARGE'
  | 'PATH_ESCAPES_ROOT'
  | 'INVALID_OPTION';

/** Where in a data file a problem was found. */
export interface DatasetErrorLocation {
  /** The file, as given or resolved. */
  file?: string;
  /** 1-based line or row number in that file (header = row 1 for CSV). */
  row?: number;
  /** Column name or index. */
  column?: string;
  /** The post id, when known. */
  id?: string;
}

/**
 * The one error class `@mmaux/datasets` throws. `code` is stable; the message names the file,
 * row, column or value and what to do; the location is also available as fields.
 *
 * @example
 * ```ts
 * const err = new MmauxDatasetError('UNKNOWN_LABEL', 'manifest.csv row 3, column label: "happy" is not a class', { file: 'manifest.csv', row: 3, column: 'label' });
 * err.code; // "UNKNOWN_LABEL"
 * err.row; // 3
 * ```
 */
export class MmauxDatasetError extends Error {
  readonly code: DatasetErrorCode;
  readonly file: string | undefined;
  readonly row: number | undefined;
  readonly column: string | undefined;
  readonly id: string | undefined;

  constructor(code: DatasetErrorCode, message: string, location: DatasetErrorLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MmauxDatasetError';
    this.code = code;
    this.file = location.file;
    this.row = location.row;
    this.column = location.column;
    this.id = location.id;
  }
}
