// The peer address of a request ("ip:port"), for the decision log's requested_by. Undefined outside a socket.
import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import { remoteAddr } from '../decision-log/index.js'

export function requestedBy(c: Context): string | undefined {
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket
  return remoteAddr(socket?.remoteAddress, socket?.remotePort)
}
