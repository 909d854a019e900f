export { type BuildOptions, type BuildResult, buildBundle, type EntrypointSelection } from './build-bundle.js'
export { type RegoTestOptions, type RegoTestResult, runRegoTests } from './rego-tests.js'
export { allEntrypoints, indexRules, type RuleIndex } from './rule-index.js'
export { RULE_INDEX_METADATA_KEY } from './staged-source.js'
