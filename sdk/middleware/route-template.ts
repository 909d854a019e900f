// Route templates as the catalog writes them ("/orders/{id}"), from the templates routers write ("/orders/:id"),
// and a matcher for when the router cannot say which route it matched.

/** "/orders/:id" or "/orders/:id{[0-9]+}" → "/orders/{id}"; catalog-style templates are returned as they are. */
export function catalogTemplate(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, '{$1}')
}

export interface RouteMatcher {
  /** The first template whose shape matches `path` ("/orders/17" → "/orders/{id}"), or undefined. */
  match(path: string): string | undefined
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Matches paths against catalog-style templates, most specific (fewest parameters) first. */
export function createRouteMatcher(templates: readonly string[]): RouteMatcher {
  const compiled = templates
    .map(catalogTemplate)
    .map((template) => {
      const parts = template.split(/\{[^}]+\}/)
      return {
        template,
        params: parts.length - 1,
        pattern: new RegExp(`^${parts.map(escapeRegExp).join('[^/]+')}/?$`),
      }
    })
    .sort((a, b) => a.params - b.params)
  return {
    match(path) {
      for (const { template, pattern } of compiled) if (pattern.test(path)) return template
      return undefined
    },
  }
}
