// OPA's boolean query parameters: present without a value or with "true" means on.
import type { Context } from 'hono'

export function queryFlag(c: Context, name: string): boolean {
  const value = c.req.query(name)
  return value !== undefined && value.toLowerCase() !== 'false'
}
