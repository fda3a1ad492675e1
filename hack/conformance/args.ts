// The kit's command line: what to run (an image or a command) and against which broker.
export interface KitOptions {
  readonly target: { readonly kind: 'image'; readonly image: string } | { readonly kind: 'command'; readonly command: string };
  /** HARE_MODULE, for images that load a module (the project's runtime: `conformance`). */
  readonly module: string | undefined;
  /** Extra KEY=VALUE env for the consumer (after the pool's HARE_* env). */
  readonly env: readonly string[];
  readonly brokerUri: string;
  readonly managementUrl: string;
  readonly queueType: 'classic' | 'quorum';
  /** Every point required: optional ones fail the run too. */
  readonly strict: boolean;
}

export const USAGE = `usage: npm run conformance -- (--image <ref> | --command "<cmd>") [--module <name>] [--env KEY=VALUE]...
       [--broker amqp://guest:guest@127.0.0.1:5672] [--management http://guest:guest@127.0.0.1:15672]
       [--queue-type classic|quorum] [--strict]`;

export type Parsed = { readonly ok: true; readonly options: KitOptions } | { readonly ok: false; readonly error: string };

const VALUE_FLAGS = ['--image', '--command', '--module', '--env', '--broker', '--management', '--queue-type'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const isValueFlag = (flag: string): flag is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(flag);

/** Parses argv (without node and the script); never throws. */
export function parseArgs(argv: readonly string[]): Parsed {
  const collected = collect(argv);
  if ('error' in collected) return { ok: false, error: collected.error };
  const { values, strict } = collected;
  const last = (flag: ValueFlag): string | undefined => values.get(flag)?.at(-1);
  const env = values.get('--env') ?? [];
  const badEnv = env.find((kv) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(kv));
  if (badEnv !== undefined) return { ok: false, error: `--env takes KEY=VALUE (got ${JSON.stringify(badEnv)})` };
  const queueType = last('--queue-type') ?? 'classic';
  if (queueType !== 'classic' && queueType !== 'quorum') return { ok: false, error: `--queue-type is classic or quorum (got ${JSON.stringify(queueType)})` };
  const image = last('--image');
  const command = last('--command');
  if ((image === undefined) === (command === undefined)) return { ok: false, error: 'give exactly one of --image and --command' };
  const target = image !== undefined ? { kind: 'image' as const, image } : { kind: 'command' as const, command: command! };
  const options: KitOptions = {
    target,
    module: last('--module'),
    env,
    brokerUri: last('--broker') ?? 'amqp://guest:guest@127.0.0.1:5672',
    managementUrl: last('--management') ?? 'http://guest:guest@127.0.0.1:15672',
    queueType,
    strict,
  };
  return { ok: true, options };
}

function collect(argv: readonly string[]): { values: Map<ValueFlag, string[]>; strict: boolean } | { error: string } {
  const values = new Map<ValueFlag, string[]>();
  let strict = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--strict') {
      strict = true;
      continue;
    }
    if (!isValueFlag(flag)) return { error: `unknown argument ${flag}` };
    const value = argv[++i];
    if (value === undefined) return { error: `${flag} needs a value` };
    values.set(flag, [...(values.get(flag) ?? []), value]);
  }
  return { values, strict };
}
