// graphql.*: parsing and validating GraphQL schemas and queries with the error texts of the Go library OPA uses.
export { graphqlBuiltins } from './graphql-builtins.js'
