// yaml.is_valid / yaml.unmarshal / yaml.marshal with the behaviour of OPA's Go YAML (YAML 1.1 scalars such as
// yes/no/on/off, the first document of a stream with every document checked, keys sorted and sequences not
// indented when marshalling). opa-wasm ships its own yaml.* (YAML 1.2, single document only); these replace it.
import { parseAllDocuments, stringify } from 'yaml'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, stringOperand } from '../host/index.js'

function documents(text: string) {
  const docs = parseAllDocuments(text, { version: '1.1' })
  const list = Array.isArray(docs) ? docs : [docs]
  for (const doc of list) {
    const error = doc.errors[0]
    if (error !== undefined) throw new BuiltinError(`yaml: ${error.message.split('\n')[0]}`)
  }
  return list
}

function unmarshal(value: unknown): unknown {
  const [first] = documents(stringOperand(value, 1))
  if (first === undefined) return null
  return first.toJS({ maxAliasCount: 1000 }) ?? null
}

function isValid(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    documents(value)
    return true
  } catch {
    return false
  }
}

function marshal(value: unknown): string {
  return stringify(value, { version: '1.1', sortMapEntries: true, indentSeq: false, lineWidth: 0 })
}

export function yamlBuiltins(): BuiltinTable {
  return {
    'yaml.is_valid': isValid,
    'yaml.unmarshal': unmarshal,
    'yaml.marshal': marshal,
  }
}
