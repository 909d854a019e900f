import { describe, expect, it } from 'vitest'
import { builtinCaller } from '../helpers/call-builtin.js'

const call = builtinCaller()

describe('regex builtins (RE2 syntax on the JavaScript engine)', () => {
  it("splits like Go's Regexp.Split, without JavaScript's captured separators", () => {
    expect(call('regex.split', '(,)', 'a,b,c')).toEqual(['a', 'b', 'c'])
    expect(call('regex.split', 'x*', 'axbxxc')).toEqual(['a', 'b', 'c'])
    expect(call('regex.split', ',', '')).toEqual([''])
  })

  it('finds at most n matches, skipping empty matches that abut the previous one', () => {
    expect(call('regex.find_n', '[a-z]+', 'a1bb2ccc', -1)).toEqual(['a', 'bb', 'ccc'])
    expect(call('regex.find_n', '[a-z]+', 'a1bb2ccc', 2)).toEqual(['a', 'bb'])
    expect(call('regex.find_n', 'a*', 'baaac', -1)).toEqual(['', 'aaa', ''])
  })

  // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's replacement syntax, not a JS template
  it('replaces with Go template expansion ($1, ${name}, $$)', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's replacement syntax, not a JS template
    expect(call('regex.replace', 'alice@example.com', '(?P<user>\\w+)@(\\w+)', '${user} at $2 ($$)')).toBe(
      'alice at example ($).com',
    )
    // Like Go, "$1x" names the group "1x", which does not exist.
    expect(call('regex.replace', 'aaa', '(a)', '$1x')).toBe('')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's replacement syntax, not a JS template
    expect(call('regex.replace', 'aaa', '(a)', '${1}x')).toBe('axaxax')
  })

  it('understands RE2 syntax JavaScript spells differently', () => {
    expect(call('regex.find_n', '(?i)héllo', 'HÉLLO world', -1)).toEqual(['HÉLLO'])
    expect(call('regex.find_n', 'a(?i:b)c', 'aBc abC', -1)).toEqual(['aBc'])
    expect(call('regex.find_n', '\\pL+', 'año 2024', -1)).toEqual(['año'])
    expect(call('regex.find_n', '[[:digit:]]+\\z', '12 34', -1)).toEqual(['34'])
    expect(call('regex.find_n', '\\Q.*\\E', 'a.*b', -1)).toEqual(['.*'])
    expect(call('regex.split', '\\s', 'a\u00a0b c')).toEqual(['a\u00a0b', 'c'])
  })

  it('rejects what RE2 rejects', () => {
    expect(call('regex.find_n', '(a)\\1', 'aa', -1)).toBeUndefined()
    expect(call('regex.find_n', 'a(?=b)', 'ab', -1)).toBeUndefined()
    expect(call('regex.split', '(', 'x')).toBeUndefined()
  })

  it('matches templates with delimited regex sections', () => {
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).toBe(true)
    expect(call('regex.template_match', 'urn:foo.bar.com:{.*}', 'urn:foo.com:bar:baz', '{', '}')).toBe(false)
    expect(call('regex.template_match', 'urn:{[0-9]+', 'urn:1', '{', '}')).toBeUndefined()
  })

  it('decides whether two glob-like patterns intersect', () => {
    expect(call('regex.globs_match', 'a.a.', '.b.b')).toBe(true)
    expect(call('regex.globs_match', 'a*b', 'ab*')).toBe(true)
    expect(call('regex.globs_match', '[a-z]+', '[0-9]*')).toBe(false)
    expect(call('regex.globs_match', '[a-z]+', '[0-9]+')).toBe(false)
    expect(call('regex.globs_match', '[', 'a')).toBeUndefined()
  })
})
