// What the commands share: repeated options, reading an input document, waiting for a stop signal.
import { readFile } from 'node:fs/promises'
import { ClearanceError, describeThrown } from '../errors.js'
import { encodeJson, parseJson } from '../json/index.js'

/** Commander's collector for an option given several times. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** An input document from a file or stdin ("-"), as JSON bytes; undefined when none is given. */
export async function readInput(source: string | undefined): Promise<Uint8Array | undefined> {
  if (source === undefined) return undefined
  let text: string
  try {
    text = source === '-' ? await readStdin() : await readFile(source, 'utf8')
  } catch (thrown) {
    // A file that is not there is a usage error (exit 2), said plainly rather than as a stack of fs errors.
    throw new ClearanceError('config_error', `cannot read input file "${source}": ${describeThrown(thrown)}`)
  }
  try {
    return encodeJson(parseJson(text))
  } catch (thrown) {
    throw new ClearanceError(
      'invalid_parameter',
      `input ${source === '-' ? 'from stdin' : `"${source}"`} is not valid JSON: ${describeThrown(thrown)}`,
    )
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
}
