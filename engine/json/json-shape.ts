// A single pass over JSON bytes, before parsing, that bounds nesting depth and the number of values, so a body
// built to exhaust the parser or the evaluator is refused with a 400 naming the limit.

import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-syntax.js'

export interface JsonShapeLimits {
  maxDepth: number
  maxElements: number
}

export const defaultJsonShapeLimits: JsonShapeLimits = DEFAULTS.jsonShape

export function assertJsonShape(bytes: Uint8Array, limits: JsonShapeLimits): void {
  let depth = 0
  let elements = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (inString) {
      if (byte === BACKSLASH) i++
      else if (byte === QUOTE) inString = false
      continue
    }
    if (byte === QUOTE) inString = true
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++
      elements++
      if (depth > limits.maxDepth) {
        throw new ClearanceError(
          ErrorCodes.invalidParameter,
          `JSON nesting is deeper than the limit of ${limits.maxDepth}`,
        )
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--
    else if (byte === COMMA) {
      elements++
      if (elements > limits.maxElements) {
        throw new ClearanceError(
          ErrorCodes.invalidParameter,
          `JSON holds more than the limit of ${limits.maxElements} values`,
        )
      }
    }
  }
}
