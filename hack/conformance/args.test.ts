// The kit's command line: one target, repeatable --env, readable errors.
import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.ts';

describe('parseArgs', () => {
  it('takes an image, a module and repeated env', () => {
    const parsed = parseArgs(['--image', 'localhost/hare/examples:0.1.0', '--module', 'conformance', '--env', 'A=1', '--env', 'B=x=y']);
    expect(parsed).toMatchObject({ ok: true, options: { target: { kind: 'image', image: 'localhost/hare/examples:0.1.0' }, module: 'conformance', env: ['A=1', 'B=x=y'], queueType: 'classic', strict: false } });
  });

  it('takes a command, the broker, quorum queues and --strict', () => {
    const parsed = parseArgs(['--command', 'node main.ts', '--broker', 'amqp://b', '--queue-type', 'quorum', '--strict']);
    expect(parsed).toMatchObject({ ok: true, options: { target: { kind: 'command', command: 'node main.ts' }, brokerUri: 'amqp://b', queueType: 'quorum', strict: true } });
  });

  it.each([
    [[], 'give exactly one of --image and --command'],
    [['--image', 'a', '--command', 'b'], 'give exactly one of --image and --command'],
    [['--image'], '--image needs a value'],
    [['--image', 'a', '--env', 'no-equals'], '--env takes KEY=VALUE (got "no-equals")'],
    [['--image', 'a', '--queue-type', 'stream'], '--queue-type is classic or quorum (got "stream")'],
    [['--image', 'a', '--verbose'], 'unknown argument --verbose'],
  ])('refuses %j', (argv, error) => {
    expect(parseArgs(argv)).toEqual({ ok: false, error });
  });
});
