// Go's net/url.Parse (url.go: Parse, getScheme, parseAuthority, parseHost, setPath, setFragment), for
// uri.parse / uri.is_valid and the URIs of X.509 certificates. Strings are handled as UTF-8 bytes, as in Go.
import { isIPv6 } from 'node:net'
import { BuiltinError } from '../host/index.js'

export interface GoUrl {
  Scheme: string
  Opaque: string
  User: { username: string; password?: string } | null
  Host: string
  Path: string
  RawPath: string
  OmitHost: boolean
  ForceQuery: boolean
  RawQuery: string
  Fragment: string
  RawFragment: string
}

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'queryComponent' | 'fragment'

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c)
}

function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(c)) return false
  if ('-_.~'.includes(c)) return false
  if ('$&+,/:;=?@'.includes(c)) {
    switch (mode) {
      case 'path':
        return c === '?'
      case 'userPassword':
        return c === '@' || c === '/' || c === '?' || c === ':'
      case 'queryComponent':
        return true
      case 'fragment':
        return false
    }
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false
  return true
}

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)

function escapeError(s: string): BuiltinError {
  return new BuiltinError(`invalid URL escape ${JSON.stringify(s)}`)
}

/** url.unescape over a byte string (each char is one byte). */
function urlUnescape(s: string, mode: Mode): string {
  let n = 0
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string
    if (c === '%') {
      n++
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
        throw escapeError(s.slice(i, i + 3))
      }
      const v = Number.parseInt(s.slice(i + 1, i + 3), 16)
      if (mode === 'host' && Number.parseInt(s[i + 1] as string, 16) < 8 && s.slice(i, i + 3) !== '%25') {
        throw escapeError(s.slice(i, i + 3))
      }
      if (
        mode === 'zone' &&
        s.slice(i, i + 3) !== '%25' &&
        v !== 0x20 &&
        shouldEscape(String.fromCharCode(v), 'host')
      ) {
        throw escapeError(s.slice(i, i + 3))
      }
      i += 3
    } else {
      if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
        throw new BuiltinError(`invalid character ${JSON.stringify(c)} in host name`)
      }
      i++
    }
  }
  if (n === 0) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      out += String.fromCharCode(Number.parseInt(s.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      out += s[i]
    }
  }
  return out
}

/** url.escape over a byte string (one char per byte; see toBytes). */
function urlEscape(s: string, mode: Mode): string {
  let out = ''
  for (const c of s) {
    if (shouldEscape(c, mode)) out += `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
    else out += c
  }
  return out
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    if (/[A-Za-z]/.test(c)) continue
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw]
      continue
    }
    if (c === ':') {
      if (i === 0) throw new BuiltinError('missing protocol scheme')
      return [raw.slice(0, i), raw.slice(i + 1)]
    }
    return ['', raw]
  }
  return ['', raw]
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true
  if (port[0] !== ':') return false
  return /^\d*$/.test(port.slice(1))
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s)
}

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf('[')
  if (open > 0) throw new BuiltinError('invalid IP-literal')
  if (open === 0) {
    const close = host.lastIndexOf(']')
    if (close < 0) throw new BuiltinError("missing ']' in host")
    const colonPort = host.slice(close + 1)
    if (!validOptionalPort(colonPort))
      throw new BuiltinError(`invalid port ${JSON.stringify(colonPort)} after host`)
    const unescapedPort = urlUnescape(colonPort, 'host')
    const hostname = host.slice(1, close)
    const zone = hostname.indexOf('%25')
    const unescaped =
      zone >= 0
        ? urlUnescape(hostname.slice(0, zone), 'host') + urlUnescape(hostname.slice(zone), 'zone')
        : urlUnescape(hostname, 'host')
    const addr = zone >= 0 ? unescaped.slice(0, unescaped.indexOf('%')) : unescaped
    if (!isIPv6(addr))
      throw new BuiltinError(`invalid host: ParseAddr(${JSON.stringify(unescaped)}): invalid IP address`)
    return `[${unescaped}]${unescapedPort}`
  }
  const first = host.indexOf(':')
  if (first !== -1) {
    let i = first
    const last = host.lastIndexOf(':')
    if (last !== first && scheme !== 'http' && scheme !== 'https') i = last
    const colonPort = host.slice(i)
    if (!validOptionalPort(colonPort))
      throw new BuiltinError(`invalid port ${JSON.stringify(colonPort)} after host`)
  }
  return urlUnescape(host, 'host')
}

function toBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1')
}

function fromBytes(s: string): string {
  return new TextDecoder().decode(Buffer.from(s, 'latin1'))
}

/** url.Parse; throws BuiltinError like Go's *url.Error ("parse "<url>": <reason>"). */
export function parseGoUrl(input: string): GoUrl {
  const rawUrl = toBytes(input)
  const hash = rawUrl.indexOf('#')
  const u = hash < 0 ? rawUrl : rawUrl.slice(0, hash)
  const frag = hash < 0 ? '' : rawUrl.slice(hash + 1)
  let url: GoUrl
  try {
    url = parseNoFragment(u)
  } catch (error) {
    throw new BuiltinError(`parse ${JSON.stringify(fromBytes(u))}: ${(error as Error).message}`)
  }
  if (frag !== '') {
    try {
      url.Fragment = urlUnescape(frag, 'fragment')
      url.RawFragment = urlEscape(url.Fragment, 'fragment') === frag ? '' : frag
    } catch (error) {
      throw new BuiltinError(`parse ${JSON.stringify(input)}: ${(error as Error).message}`)
    }
  }
  for (const k of [
    'Scheme',
    'Opaque',
    'Host',
    'Path',
    'RawPath',
    'RawQuery',
    'Fragment',
    'RawFragment',
  ] as const) {
    url[k] = fromBytes(url[k])
  }
  if (url.User !== null) {
    url.User = {
      username: fromBytes(url.User.username),
      ...(url.User.password === undefined ? {} : { password: fromBytes(url.User.password) }),
    }
  }
  return url
}

function parseNoFragment(raw: string): GoUrl {
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw new BuiltinError('net/url: invalid control character in URL')
  }
  const url: GoUrl = {
    Scheme: '',
    Opaque: '',
    User: null,
    Host: '',
    Path: '',
    RawPath: '',
    OmitHost: false,
    ForceQuery: false,
    RawQuery: '',
    Fragment: '',
    RawFragment: '',
  }
  if (raw === '*') {
    url.Path = '*'
    return url
  }
  let rest: string
  ;[url.Scheme, rest] = getScheme(raw)
  url.Scheme = url.Scheme.toLowerCase()
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    url.ForceQuery = true
    rest = rest.slice(0, -1)
  } else {
    const q = rest.indexOf('?')
    if (q >= 0) {
      url.RawQuery = rest.slice(q + 1)
      rest = rest.slice(0, q)
    }
  }
  if (!rest.startsWith('/')) {
    if (url.Scheme !== '') {
      url.Opaque = rest
      return url
    }
    const segment = rest.split('/')[0] as string
    if (segment.includes(':')) throw new BuiltinError('first path segment in URL cannot contain colon')
  }
  if ((url.Scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2)
    rest = ''
    const slash = authority.indexOf('/')
    if (slash >= 0) {
      rest = authority.slice(slash)
      authority = authority.slice(0, slash)
    }
    const at = authority.lastIndexOf('@')
    url.Host = parseHost(url.Scheme, at < 0 ? authority : authority.slice(at + 1))
    if (at >= 0) {
      const userinfo = authority.slice(0, at)
      if (!validUserinfo(userinfo)) throw new BuiltinError('net/url: invalid userinfo')
      const colon = userinfo.indexOf(':')
      url.User =
        colon < 0
          ? { username: urlUnescape(userinfo, 'userPassword') }
          : {
              username: urlUnescape(userinfo.slice(0, colon), 'userPassword'),
              password: urlUnescape(userinfo.slice(colon + 1), 'userPassword'),
            }
    }
  } else if (url.Scheme !== '' && rest.startsWith('/')) {
    url.OmitHost = true
  }
  url.Path = urlUnescape(rest, 'path')
  url.RawPath = urlEscape(url.Path, 'path') === rest ? '' : rest
  return url
}

/** URL.Hostname() and URL.Port(). */
export function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort
  let port = ''
  const colon = host.lastIndexOf(':')
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1)
    host = host.slice(0, colon)
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return [host, port]
}

/** URL.EscapedPath(). */
export function escapedPath(u: GoUrl): string {
  if (u.RawPath !== '' && validEncoded(u.RawPath)) {
    try {
      if (fromBytes(urlUnescape(toBytes(u.RawPath), 'path')) === u.Path) return u.RawPath
    } catch {
      // fall through to escaping Path
    }
  }
  if (u.Path === '*') return '*'
  return urlEscape(toBytes(u.Path), 'path')
}

function validEncoded(s: string): boolean {
  for (const c of s) {
    if ("!$&'()*+,;=:@[]%".includes(c)) continue
    if (shouldEscape(c, 'path')) return false
  }
  return true
}

/** URL.String(). */
export function goUrlString(u: GoUrl): string {
  let buf = ''
  if (u.Scheme !== '') buf += `${u.Scheme}:`
  if (u.Opaque !== '') {
    buf += u.Opaque
  } else {
    if (u.Scheme !== '' || u.Host !== '' || u.User !== null) {
      if (u.OmitHost && u.Host === '' && u.User === null) {
        // omit
      } else {
        if (u.Host !== '' || u.Path !== '' || u.User !== null) buf += '//'
        if (u.User !== null) {
          buf += urlEscape(toBytes(u.User.username), 'userPassword')
          if (u.User.password !== undefined) buf += `:${urlEscape(toBytes(u.User.password), 'userPassword')}`
          buf += '@'
        }
        if (u.Host !== '') buf += urlEscape(toBytes(u.Host), 'host')
      }
    }
    const path = u.RawPath !== '' ? u.RawPath : urlEscape(toBytes(u.Path), 'path')
    if (path !== '' && path[0] !== '/' && u.Host !== '') buf += '/'
    buf += path
  }
  if (u.ForceQuery || u.RawQuery !== '') buf += `?${u.RawQuery}`
  if (u.Fragment !== '')
    buf += `#${u.RawFragment !== '' ? u.RawFragment : urlEscape(toBytes(u.Fragment), 'fragment')}`
  return buf
}
