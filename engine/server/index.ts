export { type AppDeps, createApp } from './app.js'
export { describeError, type ErrorBody } from './error-response.js'
export type { HttpConfig } from './routes/route-deps.js'
