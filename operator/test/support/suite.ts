// One integration suite: a fresh namespace, an operator process watching it, and clean-up (with logs on failure).
import { afterAll, beforeAll, onTestFailed } from 'vitest';
import { freshNamespace, kube, type Kube } from './kube.ts';
import { startOperator, type OperatorProcess } from './operator-process.ts';

export interface Suite {
  k: Kube;
  ns: string;
  op: OperatorProcess;
}

/** Registers beforeAll/afterAll; the returned object is filled before the first test runs. */
export function operatorSuite(prefix: string, operatorArgs: string[] = []): Suite {
  const suite = {} as Suite;
  beforeAll(async () => {
    suite.k = kube();
    suite.ns = await freshNamespace(suite.k, prefix);
    suite.op = await startOperator(suite.k.kubeconfig, ['--namespace', suite.ns, '--resync', '20', ...operatorArgs]);
  });
  afterAll(async () => {
    await suite.op?.stop('SIGTERM');
    await suite.k?.core.deleteNamespace({ name: suite.ns }).catch(() => undefined);
  });
  return suite;
}

/** Prints the operator's log tail when the current test fails. */
export function dumpLogsOnFailure(suite: Suite): void {
  onTestFailed(() => {
    console.error(`--- operator log (last 60 lines) ---\n${suite.op.logTail(60)}`);
  });
}
