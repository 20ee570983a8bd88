/**
 * The values a marshal decoder gives for Python's types that JavaScript has
 * no equal of (`lib/marshal.ts` has the whole mapping).
 *
 * @module
 */

/** A Python `list`. */
export class MarshalList {
  /** The items, in order. */
  readonly items: MarshalValue[];
  /** Wraps the items of a list. */
  constructor(items: MarshalValue[]) {
    this.items = items;
  }
}

/**
 * A Python `dict`. Keys may be tuples, so the entries are kept as two
 * parallel arrays in the order they were written rather than in a `Map`.
 */
export class MarshalDict {
  /** The keys, in order. */
  readonly keys: MarshalValue[] = [];
  /** The values, `values[i]` belonging to `keys[i]`. */
  readonly values: MarshalValue[] = [];
}

/**
 * A Python `frozendict` (marshal version 6, Python 3.15): a
 * {@linkcode MarshalDict} that Python would not let change.
 */
export class MarshalFrozenDict extends MarshalDict {}

/** A Python `set` or `frozenset`. */
export class MarshalSet {
  /** Whether it is a `frozenset`. */
  readonly frozen: boolean;
  /** The items, in the order they were written. */
  readonly items: MarshalValue[];
  /** Wraps the items of a set. */
  constructor(frozen: boolean, items: MarshalValue[]) {
    this.frozen = frozen;
    this.items = items;
  }
}

/** A Python `complex` number. */
export class MarshalComplex {
  /** The real part. */
  readonly real: number;
  /** The imaginary part. */
  readonly imag: number;
  /** Makes a complex number. */
  constructor(real: number, imag: number) {
    this.real = real;
    this.imag = imag;
  }
}

/** A Python `slice` (marshal version 5). */
export class MarshalSlice {
  /** `slice.start`. */
  readonly start: MarshalValue;
  /** `slice.stop`. */
  readonly stop: MarshalValue;
  /** `slice.step`. */
  readonly step: MarshalValue;
  /** Makes a slice. */
  constructor(start: MarshalValue, stop: MarshalValue, step: MarshalValue) {
    this.start = start;
    this.stop = stop;
    this.step = step;
  }
}

/** `Ellipsis` or `StopIteration`, which marshal writes as single bytes. */
export class MarshalSingleton {
  /** `"Ellipsis"` or `"StopIteration"`. */
  readonly name: "Ellipsis" | "StopIteration";
  /** Makes the singleton with that name. */
  constructor(name: "Ellipsis" | "StopIteration") {
    this.name = name;
  }
}

/**
 * A Python code object. Only what identifies it is kept: its name, file and
 * first line, which is what Python's `repr()` shows.
 */
export class MarshalCode {
  /** `co_name`. */
  readonly name: string;
  /** `co_filename`. */
  readonly filename: string;
  /** `co_firstlineno`. */
  readonly firstLineNo: number;
  /** Makes a code object. */
  constructor(name: string, filename: string, firstLineNo: number) {
    this.name = name;
    this.filename = filename;
    this.firstLineNo = firstLineNo;
  }
  /**
   * Python's `repr()` of the code object without its memory address, such
   * as `<code object <module>, file "workload.py", line 1>`.
   */
  toString(): string {
    return `<code object ${this.name}, file "${this.filename}", line ${this.firstLineNo}>`;
  }
}

/** Any value that marshal can hold. */
export type MarshalValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MarshalValue[]
  | MarshalList
  | MarshalDict
  | MarshalSet
  | MarshalCode
  | MarshalComplex
  | MarshalSlice
  | MarshalSingleton;
