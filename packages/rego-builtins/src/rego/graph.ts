// graph.reachable_paths (graph.reachable is compiled into the wasm module): every path from the initial
// vertices through the graph, ending where a vertex has no edges, is missing, or would close a cycle.

import type { BuiltinTable } from '../host/index.js'
import { objectOperand, operandTypeError } from '../host/index.js'
import { setOf } from '../values/index.js'

function vertexKey(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function edgesOf(graph: Record<string, unknown>, v: unknown): unknown[] | null | undefined {
  const key = vertexKey(v)
  if (key === undefined || !Object.hasOwn(graph, key)) return undefined
  const edges = graph[key]
  return Array.isArray(edges) ? edges : null
}

function reachablePaths(graphArg: unknown, initialArg: unknown): unknown[] {
  const graph = objectOperand(graphArg, 1)
  if (!Array.isArray(initialArg)) throw operandTypeError(2, initialArg, '{array, set}')
  const paths: unknown[][] = []
  const build = (root: unknown, path: unknown[], reached: Set<unknown>): void => {
    const edges = edgesOf(graph, root)
    if (edges === undefined) {
      paths.push(path)
      return
    }
    const next = [...path, root]
    if (edges === null || edges.length === 0) {
      paths.push(next)
      return
    }
    const seen = new Set(reached).add(root)
    for (const neighbor of edges) {
      if (seen.has(neighbor)) paths.push(next)
      else build(neighbor, next, seen)
    }
  }
  for (const node of initialArg) {
    const edges = edgesOf(graph, node)
    if (edges === undefined) continue
    if (edges !== null && edges.length >= 1) {
      for (const neighbor of edges) build(neighbor, [node], new Set([node]))
    } else {
      paths.push([node])
    }
  }
  return setOf(paths)
}

export function graphBuiltins(): BuiltinTable {
  return { 'graph.reachable_paths': reachablePaths }
}
