import { describe, expect, it } from 'vitest'
import { builtinCaller } from './helpers/call-builtin.js'

const call = builtinCaller()

describe('units, semver, uuid', () => {
  it('parses SI and binary units exactly', () => {
    expect(call('units.parse', '10K')).toBe(10000)
    expect(call('units.parse', '1Ki')).toBe(1024)
    expect(call('units.parse', '100m')).toBe(0.1)
    expect(call('units.parse', '1.5M')).toBe(1500000)
    expect(call('units.parse', '2E')).toBe(2000000000000000000n)
    expect(call('units.parse', '1 k')).toBeUndefined()
    expect(call('units.parse_bytes', '1.5KiB')).toBe(1536)
    expect(call('units.parse_bytes', '"2mb"')).toBe(2000000)
    expect(call('units.parse_bytes', '8eib')).toBe(9223372036854775808n)
    expect(call('units.parse_bytes', '5xb')).toBeUndefined()
  })

  it('validates and compares semantic versions', () => {
    expect(call('semver.is_valid', 'v1.2.3-rc.1+build.5')).toBe(true)
    expect(call('semver.is_valid', '1.2')).toBe(false)
    expect(call('semver.is_valid', '01.2.3')).toBe(false)
    expect(call('semver.compare', '1.2.3', '1.10.0')).toBe(-1)
    expect(call('semver.compare', '1.0.0-alpha.2', '1.0.0-alpha.10')).toBe(-1)
    expect(call('semver.compare', '1.0.0', '1.0.0-rc.1')).toBe(1)
    expect(call('semver.compare', '1.0.0+a', '1.0.0+b')).toBe(0)
    expect(call('semver.compare', 'x', '1.0.0')).toBeUndefined()
  })

  it('parses UUIDs in every form google/uuid accepts and generates stable v4 ones per evaluation', () => {
    expect(call('uuid.parse', 'urn:uuid:000003e8-48b9-21ee-b200-325096b39f47')).toEqual({
      clocksequence: 12800,
      domain: 'Person',
      id: 1000,
      macvariables: 'local:unicast',
      nodeid: '32-50-96-b3-9f-47',
      time: 1693566990121469600n,
      variant: 'RFC4122',
      version: 2,
    })
    expect(call('uuid.parse', '{00000000-0000-4000-8000-000000000000}')).toEqual({
      variant: 'RFC4122',
      version: 4,
    })
    expect(call('uuid.parse', 'nope')).toBeUndefined()
    const id = call('uuid.rfc4122', 'k') as string
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(call('uuid.rfc4122', 'k')).toBe(id)
    expect(call('uuid.rfc4122', 'other')).not.toBe(id)
  })
})

describe('urlquery, hex, base64url, uri', () => {
  it("escapes and unescapes like Go's net/url", () => {
    expect(call('urlquery.encode', 'a b&c=d/é~')).toBe('a+b%26c%3Dd%2F%C3%A9~')
    expect(call('urlquery.decode', 'a+b%26c')).toBe('a b&c')
    expect(call('urlquery.decode', '%zz')).toBeUndefined()
    expect(call('urlquery.encode_object', { b: ['2', '1'], a: 'x y' })).toBe('a=x+y&b=2&b=1')
    expect(call('urlquery.decode_object', 'a=1&b=2&a=3&c')).toEqual({ a: ['1', '3'], b: ['2'], c: [''] })
    expect(call('urlquery.decode_object', 'a=1;b=2')).toBeUndefined()
  })

  it('hex-encodes bytes and encodes base64url without padding', () => {
    expect(call('hex.encode', 'hé')).toBe('68c3a9')
    expect(call('hex.decode', '68c3a9')).toBe('hé')
    expect(call('hex.decode', 'abc')).toBeUndefined()
    expect(call('base64url.encode_no_pad', 'hi?')).toBe('aGk_')
  })

  it('parses URIs with net/url', () => {
    expect(call('uri.parse', 'https://user@example.com:8080/a%2Fb?q=1#top')).toEqual({
      scheme: 'https',
      hostname: 'example.com',
      port: '8080',
      path: '/a/b',
      raw_path: '/a%2Fb',
      raw_query: 'q=1',
      fragment: 'top',
    })
    expect(call('uri.parse', 'http://[::1]/')).toMatchObject({ hostname: '::1' })
    expect(call('uri.is_valid', 'http://exa mple.com')).toBe(false)
    expect(call('uri.is_valid', ':nope')).toBe(false)
    expect(call('uri.is_valid', '')).toBe(false)
  })
})

describe('strings, templates, globs, objects, graphs, casts', () => {
  it('covers the string builtins wasm does not compile', () => {
    expect(call('indexof_n', 'sheep', 'e')).toEqual([2, 3])
    expect(call('indexof_n', 'héhé', 'é')).toEqual([1, 3])
    expect(call('strings.count', 'cheese', 'e')).toBe(3)
    expect(call('strings.count', 'five', '')).toBe(5)
    expect(call('strings.any_prefix_match', ['a/b', 'c'], ['x', 'a/'])).toBe(true)
    expect(call('strings.any_suffix_match', 'file.rego', ['.json', '.yaml'])).toBe(false)
    expect(call('strings.split_n', 'a.b.c.d', '.', 2)).toEqual(['a', 'b'])
    expect(call('strings.split_n', 'a.b.c.d', '.', -2)).toEqual(['c', 'd'])
  })

  it('renders Go templates, with <undefined> for missing keys', () => {
    expect(
      call(
        'strings.render_template',
        '{{range $i, $n := .names}}{{if $i}}, {{end}}hi {{$n}}{{end}} ({{.missing}})',
        {
          names: ['ann', 'bo'],
        },
      ),
    ).toBe('hi ann, hi bo (<undefined>)')
    expect(
      call('strings.render_template', '{{if gt .n 1}}many{{else}}one{{end}} {{printf "%03d" .n}}', { n: 7 }),
    ).toBe('many 007')
  })

  it('quotes glob meta characters', () => {
    expect(call('glob.quote_meta', '*.github.com/{a,b}[x]?')).toBe('\\*.github.com/\\{a,b\\}\\[x\\]\\?')
  })

  it('checks subsets of objects and arrays', () => {
    expect(call('object.subset', { a: { b: 1, c: 2 }, d: [1, 2, 3] }, { a: { b: 1 }, d: [2, 3] })).toBe(true)
    expect(call('object.subset', { a: 1 }, { a: 2 })).toBe(false)
    expect(call('object.subset', [1, 2, 3], [1, 3])).toBe(false)
    expect(call('object.subset', { a: 1 }, [1])).toBeUndefined()
  })

  it('lists every path through a graph', () => {
    expect(call('graph.reachable_paths', { a: ['b', 'c'], b: ['c'], c: [] }, ['a'])).toEqual([
      ['a', 'b', 'c'],
      ['a', 'c'],
    ])
  })

  it('keeps the deprecated casts and numbers.range_step', () => {
    expect(call('cast_set', [3, 1, 3])).toEqual([1, 3])
    expect(call('cast_string', 1)).toBeUndefined()
    expect(call('numbers.range_step', 10, 1, 4)).toEqual([10, 6, 2])
    expect(call('numbers.range_step', 1, 2, 0)).toBeUndefined()
  })
})

describe('json builtins', () => {
  it('applies JSON patches with OPA edit-tree rules', () => {
    const doc = { a: [1, 2], b: { c: 'x' } }
    expect(
      call('json.patch', doc, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'add', path: '/a/0', value: 0 },
        { op: 'replace', path: '/b/c', value: 'y' },
        { op: 'move', from: '/b/c', path: '/d' },
        { op: 'copy', from: '/a/1', path: '/e' },
        { op: 'remove', path: ['a', 3] },
        { op: 'test', path: '/d', value: 'y' },
      ]),
    ).toEqual({ a: [0, 1, 2], b: {}, d: 'y', e: 1 })
    expect(call('json.patch', doc, [{ op: 'remove', path: '/zz' }])).toBeUndefined()
    expect(call('json.patch', doc, [{ op: 'add', path: '/a/01', value: 1 }])).toBeUndefined()
    expect(call('json.patch', doc, [{ op: 'replace', path: '', value: 5 }])).toBe(5)
  })

  it("marshals with Go's indentation and escaping", () => {
    expect(call('json.marshal_with_options', { b: [1, {}], a: '<&>' }, { prefix: '> ', indent: '  ' })).toBe(
      '> {\n>   "a": "\\u003c\\u0026\\u003e",\n>   "b": [\n>     1,\n>     {}\n>   ]\n> }',
    )
    expect(call('json.marshal_with_options', [1], { pretty: false, indent: 'x' })).toBe('[1]')
    expect(call('json.marshal_with_options', [1], { nope: 1 })).toBeUndefined()
  })

  it('validates documents against JSON schemas with gojsonschema errors', () => {
    const schema = { properties: { id: { type: 'integer' } }, required: ['id', 'name'] }
    expect(call('json.match_schema', { id: 5, name: 'x' }, schema)).toEqual([true, []])
    expect(call('json.match_schema', '{"id": "foo"}', JSON.stringify(schema))).toEqual([
      false,
      [
        { error: '(root): name is required', type: 'required', field: '(root)', desc: 'name is required' },
        {
          error: 'id: Invalid type. Expected: integer, given: string',
          type: 'invalid_type',
          field: 'id',
          desc: 'Invalid type. Expected: integer, given: string',
        },
      ],
    ])
    expect(call('json.verify_schema', { type: 'boolean' })).toEqual([true, null])
    expect(call('json.verify_schema', { type: 'unknown_type' })).toEqual([
      false,
      'jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]',
    ])
    expect(call('json.match_schema', {}, { type: 'nope' })).toBeUndefined()
  })
})

describe('yaml builtins', () => {
  it('reads YAML 1.1 like OPA, taking the first document of a valid stream', () => {
    expect(call('yaml.unmarshal', 'a: yes\nb: [1, 2]\n---\nc: 3\n')).toEqual({ a: true, b: [1, 2] })
    expect(call('yaml.unmarshal', '[1,2,3')).toBeUndefined()
    expect(call('yaml.is_valid', 'a: 1\n---\nb: 2\n')).toBe(true)
    expect(call('yaml.is_valid', 'a: 1\n---\n\tb: 2\n')).toBe(false)
    expect(call('yaml.is_valid', 42)).toBe(false)
  })

  it('writes sorted keys and unindented sequences, quoting YAML 1.1 keywords', () => {
    expect(call('yaml.marshal', { b: [1, 2], a: 'on' })).toBe('a: "on"\nb:\n- 1\n- 2\n')
  })
})
