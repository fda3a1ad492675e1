// Just enough PromQL reading to check a monitoring kit: the series selectors an expression reads, and a "probe"
// form of it that returns series whenever its inputs have any (comparisons made `bool`, absent() made count()).

/** Operators and aggregations: never series names (an aggregation may be followed by `by (...)` before its parenthesis). */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'start', 'end', 'sum', 'min', 'max', 'avg', 'count', 'group',
  'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
/** Modifiers whose parenthesised list holds label names, not expressions. */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const NUMBER = /[0-9][0-9a-zA-Z_.]*/y;

/** Index just past the string literal that starts at `i` (", ' or `). */
function skipString(s: string, i: number): number {
  const quote = s[i]!;
  let j = i + 1;
  while (j < s.length && s[j] !== quote) j += s[j] === '\\' && quote !== '`' ? 2 : 1;
  return j + 1;
}

/** Index just past the bracket group that opens at `i`, with strings inside skipped. */
function skipGroup(s: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j]!;
    if (c === '"' || c === "'" || c === '`') j = skipString(s, j) - 1;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return j + 1;
  }
  throw new SyntaxError(`unbalanced ${open} in: ${s}`);
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return i;
}

/** Index past a string, range or number starting at `i`, or -1 when none starts there. */
function skipLiteral(s: string, i: number): number {
  const c = s[i]!;
  if (c === '"' || c === "'" || c === '`') return skipString(s, i);
  if (c === '[') return skipGroup(s, i, '[', ']');
  NUMBER.lastIndex = i;
  return NUMBER.test(s) ? NUMBER.lastIndex : -1;
}

/** Reads the word at `i`: a selector (pushed to `out`) or a function, keyword or label list; returns where to go on. */
function readWord(expr: string, i: number, end: number, out: string[]): number {
  const word = expr.slice(i, end);
  const next = skipSpace(expr, end);
  if (LABEL_LISTS.has(word)) return expr[next] === '(' ? skipGroup(expr, next, '(', ')') : next;
  if (expr[next] === '(' || KEYWORDS.has(word.toLowerCase())) return next;
  if (expr[next] !== '{') return void out.push(word), next;
  const close = skipGroup(expr, next, '{', '}');
  out.push(word + expr.slice(next, close));
  return close;
}

/** The series selectors an expression reads, as written: `name` or `name{matchers}` (ranges and offsets left out). */
export function selectors(expr: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < expr.length;) {
    const literal = skipLiteral(expr, i);
    IDENT.lastIndex = i;
    if (literal >= 0) i = literal;
    else if (expr[i] === '{') out.push(expr.slice(i, (i = skipGroup(expr, i, '{', '}'))));
    else if (IDENT.test(expr)) i = readWord(expr, i, IDENT.lastIndex, out);
    else i++;
  }
  return out;
}

/** The comparison operator at `i` made `bool` (unless it is already), or undefined when there is none. */
function boolComparison(expr: string, i: number): { text: string; length: number } | undefined {
  const op = /^(==|!=|>=|<=|>|<)/.exec(expr.slice(i, i + 2))?.[0];
  if (op === undefined) return undefined;
  return { text: /^bool\b/.test(expr.slice(skipSpace(expr, i + op.length))) ? op : `${op} bool`, length: op.length };
}

/**
 * The expression with every comparison turned into a `bool` comparison and absent() into count(): it returns series
 * exactly when the series it compares exist, whatever their values (an alert's expression is empty while all is well).
 */
export function probe(expr: string): string {
  let out = '';
  for (let i = 0; i < expr.length;) {
    const c = expr[i]!;
    const verbatim = c === '{' ? skipGroup(expr, i, '{', '}') : '["\'`'.includes(c) ? skipLiteral(expr, i) : -1;
    const op = verbatim < 0 ? boolComparison(expr, i) : undefined;
    IDENT.lastIndex = i;
    if (verbatim >= 0) { out += expr.slice(i, verbatim); i = verbatim; }
    else if (op) { out += op.text; i += op.length; }
    else if (IDENT.test(expr)) {
      const word = expr.slice(i, IDENT.lastIndex);
      out += word === 'absent' && expr[skipSpace(expr, IDENT.lastIndex)] === '(' ? 'count' : word;
      i = IDENT.lastIndex;
    } else { out += c; i++; }
  }
  return out;
}

/** A Grafana query as Prometheus sees it with every variable at "All" (a label must be there and not empty). */
export function grafanaToPromql(expr: string): string {
  return expr.replace(/\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g, '1m')
    .replace(/\$\{?[a-zA-Z_]\w*\}?/g, '.+');
}
