// Ports of the Go behaviour Rego builtins inherit from OPA's Go implementation: fmt, time layouts and zones,
// net/url, net IPs, RE2 syntax and regexp, text/template, encoding/json, strconv floats and quoting, big rationals.
export { globsIntersect } from './glob-intersection.js'
export { daysIn, fromCivil, NS_PER_SECOND, toCivil } from './go-calendar.js'
export { formatFloat } from './go-float.js'
export { type GoArg, goSprintf } from './go-fmt.js'
export { goJsonMarshal, goJsonString } from './go-json.js'
export { queryEscape, queryUnescape } from './go-query-escape.js'
export { regoText } from './go-quote.js'
export { expandTemplate, findAll, goSplit } from './go-regexp.js'
export { renderGoTemplate } from './go-template.js'
export { formatTime } from './go-time-format.js'
export { parseTime } from './go-time-parse.js'
export { escapedPath, type GoUrl, parseGoUrl, splitHostPort } from './go-url.js'
export {
  type Cidr,
  cidrContainsAddress,
  cidrToString,
  firstAddress,
  formatIpv6Groups,
  ipToString,
  lastAddress,
  parseCIDR,
  parseIP,
  V4_MAPPED,
} from './net-ip.js'
export {
  floatString,
  fromDouble,
  integerValue,
  isInteger,
  multiply,
  parseDecimal,
  type Rational,
  recoverInteger,
  truncate,
} from './rational.js'
export { compileGoRegexp, quoteMeta } from './re2-syntax.js'
export { loadZone, UTC, type Zone } from './time-zones.js'
