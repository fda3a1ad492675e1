// The autoscaler's public surface: the loop, its metrics, the pure policy, poll timing, and the depth sources.
export { Autoscaler } from './loop.ts';
export type { AutoscalerDeps } from './loop.ts';
export { ScalerMetrics } from './scaler-metrics.ts';
export { decide, initialState } from './policy.ts';
export type { BrokerReport, Decision, DecisionKind, PolicyInput, PolicyOutput, PolicyState } from './policy.ts';
export { backoffMs, firstPollDelayMs, jitteredIntervalMs, shortenedIntervalMs } from './jitter.ts';
export type { Random } from './jitter.ts';
export { DepthSources } from './depth-sources.ts';
export { PodSignals } from './pod-signals.ts';
export type { DepthHandle, DepthSourcesOptions } from './depth-sources.ts';
export { totalDepth } from './types.ts';
export type { AutoscalerLog, QueueDepth, QueueRates, QueueRef, Reading, ReadFailure, ReadFailureKind, ReadSuccess } from './types.ts';
