import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { encodeJson, parseJson } from '../../../engine/json/json-codec.js'
import { loadWasmPolicy, type WasmPolicy } from '../../../engine/policy/wasm-policy.js'
import { tempDir } from '../../helpers/fixtures.js'

// Builtins whose OPA result is a set give Rego a set (RegoSet through the value bridge), and set operands keep
// their meaning, in a real wasm build: `is_set` and set equality only hold for real sets.
const POLICY = `package setresults

# METADATA
# entrypoint: true
checks := {
	"cidr_expand": net.cidr_expand("10.0.0.0/31") == {"10.0.0.0", "10.0.0.1"},
	"cidr_merge": net.cidr_merge({"10.0.0.0/24", "10.0.1.0/24"}) == {"10.0.0.0/23"},
	"cidr_contains_matches": net.cidr_contains_matches({"10.0.0.0/8"}, "10.1.1.1") == {["10.0.0.0/8", "10.1.1.1"]},
	"reachable_paths": graph.reachable_paths({"a": {"b"}, "b": set()}, {"a"}) == {["a", "b"]},
	"json_patch": json.patch({"foo": {"a", "b"}}, [{"op": "remove", "path": "foo/b"}]) == {"foo": {"a"}},
	"object_subset": object.subset({"a": {1, 2, 3, 4}}, {"a": {4, 1}}),
	"sprintf": sprintf("%v %v", [{2, 1}, set()]) == "{1, 2} set()",
}
`

let policy: WasmPolicy

beforeAll(async () => {
  const source = join(await tempDir(), 'set-results')
  await mkdir(join(source, 'setresults'), { recursive: true })
  await writeFile(join(source, 'setresults', 'policy.rego'), POLICY)
  const output = join(await tempDir(), 'set-results.tar.gz')
  await buildBundle({ source, output, revision: 'set-results' })
  const bundle = await loadBundleFromPath('set-results', output)
  const module = bundle.modules[0]
  if (module === undefined) throw new Error('bundle has no wasm module')
  policy = await loadWasmPolicy(module.bytes, encodeJson(bundle.data))
})

describe('set results and operands in a compiled policy', () => {
  it('gives Rego real sets and set semantics', () => {
    const id = policy.entrypoints.get('setresults/checks')
    if (id === undefined) throw new Error('no entrypoint setresults/checks')
    const rows = parseJson(policy.evaluate(id, encodeJson({}))) as Array<{ result: unknown }>
    expect(rows[0]?.result).toEqual({
      cidr_expand: true,
      cidr_merge: true,
      cidr_contains_matches: true,
      reachable_paths: true,
      json_patch: true,
      object_subset: true,
      sprintf: true,
    })
  })
})
