import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { cleanPath, opaPathRedirects } from '../../../../engine/server/middleware/opa-path-redirects.js'

const app = new Hono().use(opaPathRedirects).all('*', (c) => c.text(`served ${c.req.path}`))

describe("paths as OPA's router answers them", () => {
  it("cleans paths as Go's path.Clean, keeping a trailing slash", () => {
    expect(cleanPath('//v1//data/./x/../y')).toBe('/v1/data/y')
    expect(cleanPath('/v1/data/x//')).toBe('/v1/data/x/')
    expect(cleanPath('/')).toBe('/')
  })

  it('redirects an unclean path with 307 and its query, with an HTML body for GET only', async () => {
    const get = await app.request('/v1/data//a?pretty')
    expect(get.status).toBe(307)
    expect(get.headers.get('location')).toBe('/v1/data/a?pretty')
    expect(await get.text()).toBe('<a href="/v1/data/a?pretty">Temporary Redirect</a>.\n\n')
    const post = await app.request('/v1//data/a', { method: 'POST', body: '{}' })
    expect(post.status).toBe(307)
    expect(await post.text()).toBe('')
  })

  it('redirects a trailing slash with 301 and drops the query, as OPA', async () => {
    const res = await app.request('/v1/data/a/?pretty')
    expect(res.status).toBe(301)
    expect(res.headers.get('location')).toBe('/v1/data/a')
  })

  it("leaves the root and the service map page's trailing slash alone", async () => {
    expect(await (await app.request('/')).text()).toBe('served /')
    expect(await (await app.request('/ui/')).text()).toBe('served /ui/')
  })
})
