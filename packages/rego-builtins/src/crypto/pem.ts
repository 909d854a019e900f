// Go's encoding/pem.Decode: the first PEM block in the input (text before it is skipped) and the rest after
// its END line, so callers can insist on "nothing after the block" or walk several blocks like Go does.

export interface PemBlock {
  type: string
  headers: Record<string, string>
  bytes: Buffer
}

const BEGIN = /-----BEGIN ([^\n-]*)-----[ \t\r]*\n/

/** Decodes the first block; returns undefined (and the input) when there is none. */
export function pemDecode(input: string): { block: PemBlock | undefined; rest: string } {
  let data = input
  for (;;) {
    const m = BEGIN.exec(data)
    if (m === null) return { block: undefined, rest: input }
    const type = m[1] as string
    const bodyStart = m.index + m[0].length
    const endMarker = `-----END ${type}-----`
    const endIndex = data.indexOf(endMarker, bodyStart)
    if (endIndex < 0) {
      data = data.slice(bodyStart)
      continue
    }
    let body = data.slice(bodyStart, endIndex)
    const headers: Record<string, string> = {}
    const lines = body.split('\n')
    if (lines[0]?.includes(':')) {
      let i = 0
      for (; i < lines.length; i++) {
        const line = (lines[i] as string).replace(/\r$/, '')
        if (line.trim() === '') break
        const colon = line.indexOf(':')
        if (colon < 0) break
        headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
      }
      body = lines.slice(i).join('\n')
    }
    const clean = body.replace(/[\r\n\t ]/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
      data = data.slice(bodyStart)
      continue
    }
    let after = endIndex + endMarker.length
    const lineEnd = data.indexOf('\n', after)
    const trailer = lineEnd < 0 ? data.slice(after) : data.slice(after, lineEnd)
    if (trailer.trim() !== '') {
      data = data.slice(bodyStart)
      continue
    }
    after = lineEnd < 0 ? data.length : lineEnd + 1
    return { block: { type, headers, bytes: Buffer.from(clean, 'base64') }, rest: data.slice(after) }
  }
}

/** Go's pem.Encode for a block without headers. */
export function pemEncode(type: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}-----END ${type}-----\n`
}
