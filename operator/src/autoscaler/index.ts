// The autoscaler's public surface for the operator loop: the pure policy, poll timing, and the depth sources.
export { decide, initialState } from './policy.ts';
export type { BrokerReport, Decision, DecisionKind, PolicyInput, PolicyOutput, PolicyState } from './policy.ts';
export { backoffMs, firstPollDelayMs, jitteredIntervalMs } from './jitter.ts';
export type { Random } from './jitter.ts';
export { DepthSources } from './depth-sources.ts';
export type { DepthHandle, DepthSourcesOptions } from './depth-sources.ts';
export { totalDepth } from './types.ts';
export type { AutoscalerLog, QueueDepth, QueueRates, QueueRef, Reading, ReadFailure, ReadFailureKind, ReadSuccess } from './types.ts';
