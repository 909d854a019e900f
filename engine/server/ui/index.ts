// The service map page's routes and assets (entered from server/app.ts and main.ts through server/index.ts).
export { defaultUiDir, loadUiAssets, type UiAsset, type UiAssets } from './ui-assets.js'
export { registerUiRoutes, type UiDeps } from './ui-routes.js'
export { createUiSession, registerUiSessionRoutes, type UiSession } from './ui-session.js'
