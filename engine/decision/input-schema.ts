// Validates a decision input against the policy library's JSON Schema (draft 2020-12) before anything is
// evaluated, so a malformed request is refused with the failing fields instead of reaching the policy.
import { Ajv2020 } from 'ajv/dist/2020.js'
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
  return (input) => {
    if (validate(input)) return []
    return (validate.errors ?? []).map((error) => {
      const at = error.instancePath === '' ? 'input' : `input${error.instancePath.replaceAll('/', '.')}`
      const extra =
        error.keyword === 'additionalProperties'
          ? ` ("${(error.params as { additionalProperty: string }).additionalProperty}")`
          : error.keyword === 'enum'
            ? ` (one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
            : ''
      return { code: 'schema_violation', message: `${at} ${error.message ?? 'is invalid'}${extra}` }
    })
  }
}
