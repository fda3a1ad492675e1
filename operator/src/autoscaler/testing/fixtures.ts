// Test fixtures for the autoscaler: a defaulted AutoscalingSpec (the CRD's defaults) and readings.
import type { AutoscalingSpec } from '../../api/consumerpool.ts';
import type { ReadFailure, ReadSuccess } from '../types.ts';

export interface SpecOverrides extends Partial<Omit<AutoscalingSpec, 'scaleUp' | 'scaleDown' | 'fallback'>> {
  upWindow?: number;
  downWindow?: number;
  failureThreshold?: number;
  fallbackReplicas?: number;
}

/** The spec as the API server defaults it (min 1, max 20, 10 per replica, windows 0 s / 60 s, threshold 3). */
export function autoscalingSpec(o: SpecOverrides = {}): AutoscalingSpec {
  const { upWindow, downWindow, failureThreshold, fallbackReplicas, ...rest } = o;
  return {
    enabled: true,
    minReplicas: 1,
    maxReplicas: 20,
    messagesPerReplica: 10,
    activationMessages: 0,
    pollIntervalSeconds: 5,
    paused: false,
    ...rest,
    scaleUp: { stabilizationWindowSeconds: upWindow ?? 0 },
    scaleDown: { stabilizationWindowSeconds: downWindow ?? 60 },
    fallback: { failureThreshold: failureThreshold ?? 3, ...(fallbackReplicas === undefined ? {} : { replicas: fallbackReplicas }) },
  };
}

export function ready(n: number, consumers = 1): ReadSuccess {
  return { ok: true, depth: { ready: n, consumers }, latencyMs: 1 };
}

export function withUnacked(readyCount: number, unacked: number, consumers = 1): ReadSuccess {
  return { ok: true, depth: { ready: readyCount, unacked, consumers }, latencyMs: 1 };
}

export function failed(error = 'connect ECONNREFUSED 127.0.0.1:5672'): ReadFailure {
  return { ok: false, kind: 'unreachable', error, latencyMs: 1 };
}
