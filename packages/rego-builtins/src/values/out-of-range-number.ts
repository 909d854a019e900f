// A number a policy wrote that no float64 holds (2e308): OPA keeps such numbers as their decimal text, and where a
// builtin needs a Go value it falls back to that text (sprintf prints "2e308", not "+Inf"). Host builtins receive
// one of these instead of Infinity.
export class OutOfRangeNumber {
  constructor(readonly text: string) {}

  toJSON(): string {
    return this.text
  }
}
