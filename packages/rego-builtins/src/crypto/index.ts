// Builtin families for keys, tokens and certificates: io.jwt.*, crypto.* (hashes, HMAC, x509), AWS request
// signing, hex and base64url encodings, on a small DER reader and PEM.
export { awsSigningBuiltins } from './aws-signing.js'
export { base64urlBuiltins } from './base64url.js'
export { cryptoBuiltins } from './crypto.js'
export { hexBuiltins } from './hex.js'
export { JWS_ALGORITHMS } from './jwk-keys.js'
export { jwtBuiltins } from './jwt.js'
export { x509Builtins } from './x509.js'
