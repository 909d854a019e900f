// The input document built from a decoded CheckRequest, against the v3 example in OPA-Envoy's documentation.
import { describe, expect, it } from 'vitest'
import { checkRequestInput } from '../../../../engine/server/gateways/envoy-ext-authz/check-input.js'
import { checkMethod } from '../../../../engine/server/gateways/envoy-ext-authz/envoy-protos.js'
import { httpCheckRequest } from '../../../helpers/envoy-client.js'

const options = {
  json: { maxDepth: 64, maxElements: 10_000 },
  maxHeaderBytes: 16 * 1024,
  jwtPayloadKey: 'jwt_payload',
  now: () => new Date('2025-06-01T12:00:00.000Z'),
}

/** Through Envoy's wire format and back, as the server sees it. */
function decoded(request: Record<string, unknown>): Record<string, unknown> {
  const method = checkMethod()
  return method.requestDeserialize(method.requestSerialize(request)) as Record<string, unknown>
}

describe('checkRequestInput', () => {
  it('builds the protojson attributes and the parsed_* fields of the documented v3 example', () => {
    const body = '{"firstname":"Charlie", "lastname":"Opa"}'
    const input = checkRequestInput(
      decoded(
        httpCheckRequest({
          method: 'POST',
          path: '/people?lang=en',
          host: '192.168.99.206:30164',
          sourceAddress: '172.17.0.1',
          headers: { 'content-type': 'application/json', 'content-length': '41' },
          body,
        }),
      ),
      options,
    )
    expect(input).toMatchObject({
      attributes: {
        source: { address: { socketAddress: { address: '172.17.0.1', portValue: 51234 } } },
        request: {
          time: '2025-06-01T12:00:00.722473Z',
          http: { id: '13519049518330544501', method: 'POST', path: '/people?lang=en', size: '41' },
        },
      },
      parsed_body: { firstname: 'Charlie', lastname: 'Opa' },
      parsed_path: ['people'],
      parsed_query: { lang: ['en'] },
      truncated_body: false,
      version: { encoding: 'protojson', ext_authz: 'v3' },
    })
  })

  it('turns filter metadata Structs into JSON and reads the jwt_authn payload as the verified user', () => {
    const input = checkRequestInput(
      decoded(
        httpCheckRequest({
          method: 'GET',
          path: '/',
          sourcePrincipal: 'spiffe://shop.example/ns/prod/sa/web',
          metadata: {
            filterMetadata: {
              'envoy.filters.http.jwt_authn': {
                fields: {
                  jwt_payload: {
                    structValue: {
                      fields: {
                        sub: { stringValue: 'carol' },
                        roles: { listValue: { values: [{ stringValue: 'customer' }] } },
                      },
                    },
                  },
                },
              },
            },
          },
        }),
      ),
      options,
    )
    expect(input.parsed_path).toEqual([''])
    expect(input.verified).toEqual({
      time: '2025-06-01T12:00:00.000Z',
      via: 'envoy',
      client: { principal: 'spiffe://shop.example/ns/prod/sa/web' },
      user: { sub: 'carol', roles: ['customer'] },
    })
  })

  it('parses a form body into arrays of values and leaves other content types unparsed', () => {
    const form = checkRequestInput(
      decoded(
        httpCheckRequest({
          method: 'POST',
          path: '/login',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'user=alice&scope=a&scope=b',
        }),
      ),
      options,
    )
    expect(form.parsed_body).toEqual({ user: ['alice'], scope: ['a', 'b'] })
    const text = checkRequestInput(
      decoded(
        httpCheckRequest({ method: 'POST', path: '/', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      ),
      options,
    )
    expect(text.parsed_body).toBeNull()
  })

  it('refuses a JSON body that does not parse', () => {
    expect(() =>
      checkRequestInput(
        decoded(
          httpCheckRequest({
            method: 'POST',
            path: '/',
            headers: { 'content-type': 'application/json' },
            body: '{"a":',
          }),
        ),
        options,
      ),
    ).toThrow(/not acceptable JSON/)
  })
})
