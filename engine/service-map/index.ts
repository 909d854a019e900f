// The service map: the catalog as a graph of zones, services and grants, its layout, its drawings (SVG for the
// page and files, DOT, Mermaid) and the live traffic counted per edge per second.
export {
  CLASSIFICATION_ORDER,
  catalogGraph,
  edgeId,
  type MapBoundary,
  type MapEdge,
  type MapGrant,
  type MapOperation,
  type MapService,
  type MapZone,
  type ServiceGraph,
  ZONE_ORDER,
} from './catalog-graph.js'
export { type Box, layoutGraph, type MapLayout } from './map-layout.js'
export {
  catalogAt,
  createServiceMapSource,
  type MapSnapshot,
  type MapSourceDeps,
  revisionOf,
  type ServiceMapSource,
} from './map-source.js'
export { type ObservedEdge, renderMapSvg, type SvgOptions } from './map-svg.js'
export { renderMapDot, renderMapMermaid } from './map-text.js'
export {
  createPageMasker,
  type MaskedDecision,
  type PageMasker,
  type PageMaskerOptions,
} from './page-masker.js'
export {
  createTrafficAggregator,
  type EdgeKind,
  type EdgeTraffic,
  type ObservedDecision,
  type RecentDecision,
  type ShadowChange,
  type ShadowCounts,
  type ShadowDivergence,
  type TrafficAggregator,
  type TrafficAggregatorOptions,
  type TrafficFrame,
} from './traffic-aggregator.js'
