/**
 * The errors the readers throw for bad input data, told apart from the
 * engine's own errors (a bug, or running out of memory) by their class:
 * {@linkcode DataSyntaxError} for bad structure and
 * {@linkcode DataRangeError} for lengths, depth, sizes and budgets. They are
 * still a `SyntaxError` and a `RangeError`. Profiles that cannot go together
 * (merged or compared) throw {@linkcode ProfileMismatchError}, still a
 * `TypeError`.
 *
 * @module
 */

/** Bad structure in the input data. */
export class DataSyntaxError extends SyntaxError {
  /** Makes the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "SyntaxError";
  }
}

/** A length, depth, size or budget that the input data exceeds. */
export class DataRangeError extends RangeError {
  /** Makes the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "RangeError";
  }
}

/**
 * Profiles that cannot be merged or compared, each good on its own: a
 * sampled profile with a traced one, whose numbers mean different things.
 */
export class ProfileMismatchError extends TypeError {
  /** Makes the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "TypeError";
  }
}

/**
 * Whether an error is one the readers throw for bad input, rather than a
 * bug or an engine limit.
 *
 * @example
 * ```ts
 * import { DataSyntaxError, isDataError } from "./data_error.ts";
 * import { assert, assertFalse } from "@std/assert";
 *
 * assert(isDataError(new DataSyntaxError("Truncated data at byte 3")));
 * assertFalse(isDataError(new RangeError("Invalid array length")));
 * ```
 *
 * @param error Anything thrown.
 * @returns Whether the readers threw it for bad input.
 */
export function isDataError(
  error: unknown,
): error is DataSyntaxError | DataRangeError {
  return error instanceof DataSyntaxError || error instanceof DataRangeError;
}
