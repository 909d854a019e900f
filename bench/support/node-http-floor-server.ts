// The HTTP floor: a bare node:http server that reads the request body and answers a constant decision. No
// framework, no routing beyond the method: what one Node process can answer on this machine at all.
// Usage: node --import tsx bench/support/node-http-floor-server.ts <port>
import { createServer } from 'node:http'

const answer = Buffer.from('{"result":true}')
const port = Number(process.argv[2])

createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 })
    res.end('{}')
    return
  }
  let length = 0
  req.on('data', (chunk) => {
    length += chunk.length
  })
  req.on('end', () => {
    res.writeHead(length === 0 ? 400 : 200, {
      'content-type': 'application/json',
      'content-length': answer.length,
    })
    res.end(answer)
  })
}).listen(port, '127.0.0.1')
process.once('SIGTERM', () => process.exit(0))
