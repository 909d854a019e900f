// The one JSON module: the codec (exact numbers, OPA's duplicate-key rule) and the scanners that read a member or
// bound a document's shape without parsing it.
export { encodeJson, isRecord, parseJson, stringifyJson } from './json-codec.js'
export { type ByteSpan, ESCAPED_KEY, topLevelMember, topLevelMemberSpan } from './json-member-span.js'
export { assertJsonShape, defaultJsonShapeLimits, type JsonShapeLimits } from './json-shape.js'
