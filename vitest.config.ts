// Test tiers: unit (pure, beside the code), integration (real RabbitMQ + real control plane), e2e (real node).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['operator/src/**/*.test.ts', 'operator/bench/**/*.test.ts', 'consumer-image/src/**/*.test.ts', 'hack/**/*.test.ts', 'test-e2e/**/*.test.ts'],
        },
      },
      {
        // the consumer runtime against the real RabbitMQ at 127.0.0.1:5672
        test: {
          name: 'integration:consumer',
          include: ['consumer-image/test/**/*.itest.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // the operator against a real control plane (etcd, kube-apiserver, controller-manager, scheduler)
        test: {
          name: 'integration:operator',
          include: ['operator/test/**/*.itest.ts'],
          exclude: [...configDefaults.exclude, 'operator/test/autoscaler/**', 'operator/test/topology/**'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['operator/test/global-setup.ts'],
        },
      },
      {
        // the operator's broker side against the real RabbitMQ (AMQP 5672, management API 15672): the autoscaler's
        // depth sources and the topology declarations; no control plane
        test: {
          name: 'integration:autoscaler',
          include: ['operator/test/autoscaler/**/*.itest.ts', 'operator/test/topology/**/*.itest.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // the conformance kit (hack/conformance) against the real RabbitMQ, with images built by buildah and run by runc
        test: {
          name: 'integration:conformance',
          include: ['hack/conformance/**/*.itest.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test-e2e/**/*.e2e.ts'],
          testTimeout: 900_000,
          hookTimeout: 2_400_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
