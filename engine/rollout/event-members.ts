// Finds the top-level members of one decision-log line without parsing it: replay needs the input and result as
// the text they were logged as (the input goes to the policy as bytes, the result is compared as text) and only a
// few small members parsed, and a full JSON.parse of every line costs as much as a fifth of a replay. The scan
// checks the line's structure (strings, brackets, separators); anything it does not accept, including keys
// written with escapes, is left to the full parse.

const QUOTE = 34
const BACKSLASH = 92
const COLON = 58
const COMMA = 44
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

function skipSpace(text: string, at: number): number {
  let i = at
  for (;;) {
    const c = text.charCodeAt(i)
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i
    i++
  }
}

/** Index just past the string whose opening quote is at `at`; -1 when it does not end. */
function skipString(text: string, at: number): number {
  let i = at + 1
  for (;;) {
    const quote = text.indexOf('"', i)
    if (quote < 0) return -1
    let backslashes = 0
    for (let j = quote - 1; j > at && text.charCodeAt(j) === BACKSLASH; j--) backslashes++
    if (backslashes % 2 === 0) return quote + 1
    i = quote + 1
  }
}

/** Index just past the value that starts at `at`; -1 when it is not well formed. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at)
  if (first === QUOTE) return skipString(text, at)
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0
    for (let i = at; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) {
        i = skipString(text, i) - 1
        if (i < 0) return -1
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--
        if (depth === 0) return i + 1
      }
    }
    return -1
  }
  let i = at
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 32) break
    i++
  }
  return i === at ? -1 : i
}

/** Member name → [start, end) of its value's text; undefined when the line is not a plain JSON object. */
export function topLevelMembers(text: string): Map<string, [number, number]> | undefined {
  let i = skipSpace(text, 0)
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined
  const members = new Map<string, [number, number]>()
  i = skipSpace(text, i + 1)
  if (text.charCodeAt(i) === CLOSE_BRACE) return skipSpace(text, i + 1) === text.length ? members : undefined
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined
    const keyEnd = skipString(text, i)
    if (keyEnd < 0) return undefined
    const key = text.slice(i + 1, keyEnd - 1)
    if (key.includes('\\')) return undefined
    i = skipSpace(text, keyEnd)
    if (text.charCodeAt(i) !== COLON) return undefined
    i = skipSpace(text, i + 1)
    const end = skipValue(text, i)
    if (end < 0) return undefined
    members.set(key, [i, end])
    i = skipSpace(text, end)
    const c = text.charCodeAt(i)
    if (c === COMMA) i = skipSpace(text, i + 1)
    else if (c === CLOSE_BRACE) return skipSpace(text, i + 1) === text.length ? members : undefined
    else return undefined
  }
}
