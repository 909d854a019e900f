export { buildBundle } from './build-bundle.js'
