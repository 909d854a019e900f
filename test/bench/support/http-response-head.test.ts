import { describe, expect, it } from 'vitest'
import { parseResponseHead } from '../../../bench/support/http-response-head.js'

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1')

describe('parseResponseHead', () => {
  it('frames a response by its status line and Content-Length', () => {
    const response =
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"result":true}'
    expect(parseResponseHead(bytes(response))).toEqual({ status: 200, length: response.length, close: false })
  })

  it('reads header names in any case and sees Connection: close', () => {
    const head = 'HTTP/1.1 500 Internal Server Error\r\ncontent-length:2\r\nCONNECTION: Close\r\n\r\n'
    expect(parseResponseHead(bytes(`${head}{}`))).toEqual({
      status: 500,
      length: head.length + 2,
      close: true,
    })
  })

  it('waits while the head is incomplete', () => {
    expect(parseResponseHead(bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n'))).toBeUndefined()
  })

  it('rejects a chunked response, which it does not frame', () => {
    expect(() =>
      parseResponseHead(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n')),
    ).toThrow(/content-length/)
  })

  it('rejects what is not an HTTP/1 status line', () => {
    expect(() => parseResponseHead(bytes('HTTP/2 200\r\nContent-Length: 0\r\n\r\n'))).toThrow(/status line/)
  })
})
