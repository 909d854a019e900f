// strings.render_template: a Go text/template (go-template.ts) over the given variables; missing values print
// as "<undefined>", as in OPA.

import { renderGoTemplate } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { objectOperand, stringOperand } from '../host/index.js'

export function templateBuiltins(): BuiltinTable {
  return {
    'strings.render_template': (template, variables) =>
      renderGoTemplate(stringOperand(template, 1), objectOperand(variables, 2)).replaceAll(
        '<no value>',
        '<undefined>',
      ),
  }
}
