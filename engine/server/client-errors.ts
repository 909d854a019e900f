// Answers requests Node's HTTP parser refuses before any route sees them, with OPA's error body instead of Node's
// empty one: headers past the limit (431), a request that timed out (408), anything malformed (400). The
// connection is closed afterwards, as Node does by default.
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'request line and headers are larger than the server accepts',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request was not received in time'],
}

function answer(code: string | undefined): string {
  const [status, reason, message] = ANSWERS[code ?? ''] ?? [400, 'Bad Request', 'malformed HTTP request']
  const body = `${JSON.stringify({ code: status === 400 || status === 431 ? 'invalid_parameter' : 'internal_error', message })}\n`
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

export function answerClientErrors(server: Pick<Server, 'on'>): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex & { bytesWritten?: number }) => {
    if (error.code !== 'ECONNRESET' && socket.writable && (socket.bytesWritten ?? 0) === 0) {
      socket.write(answer(error.code))
    }
    socket.destroy(error)
  })
}
