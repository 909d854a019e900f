// Typed reads of gqlparser nodes (graphql-go-structs.ts): a missing or mistyped field reads as Go's zero value.
import { GqlParseError } from './errors.js'
import type { GoNode } from './go-structs.js'

export function nodes(node: GoNode | undefined, field: string): GoNode[] {
  const value = node?.[field]
  return Array.isArray(value) ? (value.filter((v) => v !== null && typeof v === 'object') as GoNode[]) : []
}

export function strings(node: GoNode | undefined, field: string): string[] {
  const value = node?.[field]
  return Array.isArray(value) ? (value as string[]) : []
}

export function text(node: GoNode | undefined, field: string): string {
  const value = node?.[field]
  return typeof value === 'string' ? value : ''
}

export function child(node: GoNode | undefined, field: string): GoNode | undefined {
  const value = node?.[field]
  return value !== null && typeof value === 'object' ? (value as GoNode) : undefined
}

/** ast.Type.Name(); gqlparser dereferences a missing type (and panics), here it is an error. */
export function typeName(type: GoNode | undefined): string {
  if (type === undefined) throw new GqlParseError('missing type')
  const named = text(type, 'NamedType')
  return named !== '' ? named : typeName(child(type, 'Elem'))
}

/** ast.Type.String(). */
export function typeString(type: GoNode | undefined): string {
  if (type === undefined) return ''
  const bang = type.NonNull === true ? '!' : ''
  const named = text(type, 'NamedType')
  return named !== '' ? named + bang : `[${typeString(child(type, 'Elem'))}]${bang}`
}
