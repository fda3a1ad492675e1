// On a failed e2e test: what the operator and the pools of the suite's namespace were doing.
import { onTestFailed } from 'vitest';
import { OPERATOR_NS, type Suite } from './suite.ts';

/** On a failed test: the operator's logs, and the events, pools and pods of the suite's namespace. */
export function dumpOnFailure(suite: Suite): void {
  onTestFailed(async () => {
    const { t, namespace } = suite;
    const tryRun = async (...args: string[]): Promise<string> => t.kubectl(...args).catch((e: Error) => e.message);
    console.error('--- operator logs ---\n', await tryRun('logs', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/name=hare-operator', '--tail=80', '--prefix'));
    console.error('--- events ---\n', await tryRun('get', 'events', '-n', namespace, '--sort-by=.lastTimestamp'));
    console.error('--- pools ---\n', await tryRun('get', 'cpool', '-n', namespace, '-o', 'yaml'));
    console.error('--- pods ---\n', await tryRun('get', 'pods', '-n', namespace, '-o', 'wide'));
  });
}
