// The conformance kit's entrypoint: runs a consumer image or command against the local broker and prints
// each point of docs/pod-contract.md passed or failed. Exit 0 = conforms, 1 = does not, 2 = usage/setup.
// Usage: npm run conformance -- --image <ref> [--module <name>]   |   --command "<cmd>"   (see args.ts)
import { USAGE, parseArgs } from './args.ts';
import { formatReport, verdict } from './report.ts';
import { runKit } from './run.ts';

const parsed = parseArgs(process.argv.slice(2));
if (!parsed.ok) {
  console.error(`${parsed.error}\n${USAGE}`);
  process.exit(2);
}
try {
  const report = await runKit(parsed.options);
  console.log(formatReport(report, parsed.options.strict));
  process.exit(verdict(report.points, parsed.options.strict).passed ? 0 : 1);
} catch (err) {
  const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  const cause = err instanceof Error && err.cause !== undefined ? `: ${text(err.cause)}` : '';
  console.error(`conformance kit: ${text(err)}${cause}`);
  process.exit(2);
}
