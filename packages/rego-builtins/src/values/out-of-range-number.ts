// A number no float64 holds (2e308, 1e-400), in a policy or a JSON document: OPA keeps such numbers as their
// decimal text, and where a builtin needs a Go value it falls back to that text (sprintf prints "2e308", not
// "+Inf"). Host builtins receive one of these instead of Infinity; the JSON codec (json-text.ts) reads and writes
// them as their text.
export class OutOfRangeNumber {
  constructor(readonly text: string) {}

  /**
   * JSON.stringify cannot write a bare number it does not hold: it throws (a TypeError, as for a bigint) so that
   * stringifyJson takes its exact path and writes the text unquoted.
   */
  toJSON(): never {
    throw new TypeError(`the number ${this.text} is out of float64 range; write it with stringifyJson`)
  }
}
