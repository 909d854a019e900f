// Validates a decision input against the policy library's JSON Schema (draft 2020-12) before anything is
// evaluated, so a malformed request is refused with the failing fields instead of reaching the policy. The errors
// carry the policy's own reason codes for the same faults (missing_field, invalid_field, docs/model.md), and only
// the branch of the schema that applies speaks: the schema picks branches with if/then, whose "must match then
// schema" wrappers add nothing, and the alternatives of an anyOf are said once, as alternatives.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { ClearanceError, ErrorCodes, type ErrorDetail } from '../errors.js'

export type InputValidator = (input: unknown) => ErrorDetail[]

// ajv-formats is CommonJS with a default export; this is the one way to reach it from ESM types.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

export function createInputValidator(schema: unknown): InputValidator {
  let validate: ReturnType<Ajv2020['compile']>
  try {
    const ajv = new Ajv2020({ allErrors: true, strict: false })
    addFormats(ajv)
    validate = ajv.compile(schema as object)
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.configError,
      `input schema is not a valid JSON Schema: ${(thrown as Error).message}`,
    )
  }
  return (input) => (validate(input) ? [] : explain(validate.errors ?? []))
}

function explain(errors: ErrorObject[]): ErrorDetail[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`)
  const details: ErrorDetail[] = []
  for (const error of errors) {
    if (error.keyword === 'if') continue
    if (alternatives.some((prefix) => error.schemaPath.startsWith(prefix))) continue
    details.push(
      error.keyword === 'anyOf'
        ? explainAlternatives(error, errors)
        : { code: codeOf(error), message: messageOf(error) },
    )
  }
  return details
}

function explainAlternatives(anyOf: ErrorObject, errors: ErrorObject[]): ErrorDetail {
  const branches = errors.filter((e) => e.schemaPath.startsWith(`${anyOf.schemaPath}/`))
  if (branches.length > 0 && branches.every((e) => e.keyword === 'required')) {
    const [first, ...others] = branches.map(missingPath)
    const or = others.length > 0 ? ` (or ${others.join(' or ')})` : ''
    return { code: 'missing_field', message: `${first}${or} is missing` }
  }
  return {
    code: 'invalid_field',
    message: `${at(anyOf)} must satisfy one of: ${branches.map(messageOf).join('; or ')}`,
  }
}

function codeOf(error: ErrorObject): 'missing_field' | 'invalid_field' {
  return error.keyword === 'required' ? 'missing_field' : 'invalid_field'
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'required') return `${missingPath(error)} is missing`
  const extra =
    error.keyword === 'additionalProperties'
      ? ` ("${(error.params as { additionalProperty: string }).additionalProperty}")`
      : error.keyword === 'enum'
        ? ` (one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
        : ''
  return `${at(error)} ${error.message ?? 'is invalid'}${extra}`
}

function at(error: ErrorObject): string {
  return error.instancePath === '' ? 'input' : `input${error.instancePath.replaceAll('/', '.')}`
}

function missingPath(error: ErrorObject): string {
  return `${at(error)}.${(error.params as { missingProperty: string }).missingProperty}`
}
