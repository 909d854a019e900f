// AuthZEN 1.0 request shapes: an evaluation is {subject: {type, id, properties?}, action: {name, properties?},
// resource: {type, id, properties?}, context?}; a batch gives defaults at the top and overrides per item. Every
// field is checked before anything is evaluated, naming what is wrong.
import { ClearanceError, ErrorCodes, type ErrorDetail } from '../../../errors.js'
import { isRecord } from '../../../json/index.js'

export type Json = Record<string, unknown>

export interface Evaluation {
  subject: Json
  action: Json
  resource: Json
  context?: Json
}

export const SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const
export type EvaluationsSemantic = (typeof SEMANTICS)[number]

export interface EvaluationsRequest {
  evaluations: Evaluation[] | undefined
  semantic: EvaluationsSemantic
}

function problems(value: Partial<Evaluation>, where: string): ErrorDetail[] {
  const out: ErrorDetail[] = []
  const entity = (name: 'subject' | 'resource') => {
    const entityValue = value[name]
    if (!isRecord(entityValue))
      out.push({ code: 'invalid_field', message: `${where}${name} must be an object` })
    else {
      for (const field of ['type', 'id'] as const) {
        if (typeof entityValue[field] !== 'string' || entityValue[field] === '') {
          out.push({ code: 'invalid_field', message: `${where}${name}.${field} must be a non-empty string` })
        }
      }
      if (entityValue.properties !== undefined && !isRecord(entityValue.properties)) {
        out.push({ code: 'invalid_field', message: `${where}${name}.properties must be an object` })
      }
    }
  }
  entity('subject')
  if (!isRecord(value.action) || typeof value.action.name !== 'string' || value.action.name === '') {
    out.push({ code: 'invalid_field', message: `${where}action.name must be a non-empty string` })
  }
  entity('resource')
  if (value.context !== undefined && !isRecord(value.context)) {
    out.push({ code: 'invalid_field', message: `${where}context must be an object` })
  }
  return out
}

const invalid = (details: ErrorDetail[]): ClearanceError =>
  new ClearanceError(ErrorCodes.invalidParameter, 'the request is not a valid AuthZEN evaluation', {
    details,
  })

/** One Access Evaluation request body. */
export function parseEvaluation(body: unknown): Evaluation {
  if (!isRecord(body)) throw invalid([{ code: 'invalid_field', message: 'the body must be a JSON object' }])
  const found = problems(body, '')
  if (found.length > 0) throw invalid(found)
  return body as unknown as Evaluation
}

/**
 * An Access Evaluations (batch) body: each item inherits subject, action, resource and context from the top level
 * unless it gives its own. Without `evaluations` (or with an empty list) it is one evaluation.
 */
export function parseEvaluations(body: unknown): EvaluationsRequest {
  if (!isRecord(body)) throw invalid([{ code: 'invalid_field', message: 'the body must be a JSON object' }])
  const options = body.options
  if (options !== undefined && !isRecord(options)) {
    throw invalid([{ code: 'invalid_field', message: 'options must be an object' }])
  }
  const semantic = (options?.evaluations_semantic ?? 'execute_all') as EvaluationsSemantic
  if (!SEMANTICS.includes(semantic)) {
    throw invalid([
      {
        code: 'invalid_field',
        message: `options.evaluations_semantic must be one of ${SEMANTICS.join(', ')}`,
      },
    ])
  }
  const items = body.evaluations
  if (items !== undefined && !Array.isArray(items)) {
    throw invalid([{ code: 'invalid_field', message: 'evaluations must be an array' }])
  }
  if (items === undefined || items.length === 0) return { evaluations: undefined, semantic }
  const found: ErrorDetail[] = []
  const evaluations = items.map((item, index) => {
    if (!isRecord(item)) {
      found.push({ code: 'invalid_field', message: `evaluations[${index}] must be an object` })
      return undefined
    }
    const merged: Partial<Evaluation> = {}
    for (const key of ['subject', 'action', 'resource', 'context'] as const) {
      const value = item[key] ?? body[key]
      if (value !== undefined) merged[key] = value as Json
    }
    found.push(...problems(merged, `evaluations[${index}].`))
    return merged as Evaluation
  })
  if (found.length > 0) throw invalid(found)
  return { evaluations: evaluations as Evaluation[], semantic }
}
