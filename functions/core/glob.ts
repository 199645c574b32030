/**
 * The allowlist's globs, anchored at both ends.
 *
 * - Names (`principal: role/iot-ingest-*`): `*` matches any run of characters (also none), `?` exactly one. IAM does
 *   not tell user, role or group names apart by case, so neither do these.
 * - ARNs (`attachedBy`): case-sensitive like ARNs, and a wildcard stays inside one `:` field and one `/` segment, so
 *   `role/ci-deployer*` cannot be met by a role created under the path `/ci-deployer-x/`. A double star crosses `/`,
 *   and a double star followed by a slash also matches no segment at all (a role at the default path).
 */
export type GlobMatcher = (text: string) => boolean;

/**
 * What one step of a compiled glob consumes: a character class (`any`, `field`: anything but `:`, `segment`: anything
 * but `:` and `/`) or one literal character.
 */
type Accepts = { readonly kind: 'any' | 'field' | 'segment' } | { readonly kind: 'char'; readonly char: string };

interface Step {
  /**
   * null: a step that consumes nothing and leads on to the next step or `skip` steps further (`**\/` matching none).
   */
  readonly accepts: Accepts | null;
  /** A star: repeats (any number of times, none included), instead of consuming once and moving on. */
  readonly star: boolean;
  readonly skip?: number;
}

const step = (accepts: Accepts, star = false): Step => ({ accepts, star });
const literal = (char: string): Step => step({ kind: 'char', char });

/** Compiles a name glob (`*`, `?`; case-insensitive). */
export function compileGlob(pattern: string): GlobMatcher {
  if (!pattern.includes('*') && !pattern.includes('?')) {
    const wanted = pattern.toLowerCase();
    return (text) => text.toLowerCase() === wanted;
  }
  const steps = [...pattern.toLowerCase()].map((c) =>
    c === '*' ? step({ kind: 'any' }, true) : c === '?' ? step({ kind: 'any' }) : literal(c),
  );
  return (text) => run(steps, text.toLowerCase());
}

/** Compiles an ARN glob: `*` and `?` within one `:` field and `/` segment, `**` across segments; case-sensitive. */
export function compileArnGlob(pattern: string): GlobMatcher {
  const chars = [...pattern];
  const steps: Step[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*' && chars[i + 1] === '*' && chars[i + 2] === '/') {
      // A double star and a slash: any number of path segments, none included (a role at the default path).
      steps.push({ accepts: null, star: false, skip: 3 }, step({ kind: 'field' }, true), literal('/'));
      i += 2;
    } else if (c === '*' && chars[i + 1] === '*') {
      steps.push(step({ kind: 'field' }, true));
      i++;
    } else if (c === '*') steps.push(step({ kind: 'segment' }, true));
    else if (c === '?') steps.push(step({ kind: 'segment' }));
    else steps.push(literal(c));
  }
  return (text) => run(steps, text);
}

function accepts(a: Accepts | null, c: string): boolean {
  switch (a?.kind) {
    case undefined:
      return false;
    case 'any':
      return true;
    case 'field':
      return c !== ':';
    case 'segment':
      return c !== ':' && c !== '/';
    case 'char':
      return c === a.char;
  }
}

/**
 * Runs the glob as a nondeterministic automaton over the text's code points, keeping the set of steps that could be
 * next: time O(text × pattern), never the exponential backtracking of a regular expression with several stars.
 */
function run(steps: readonly Step[], text: string): boolean {
  const end = steps.length;
  let current = new Uint8Array(end + 1);
  let next = new Uint8Array(end + 1);
  // Adds a state and every state reachable from it without consuming (past stars, which may match nothing).
  const enter = (set: Uint8Array, from: number): void => {
    for (let i = from; i <= end && set[i] === 0; i++) {
      set[i] = 1;
      const s = steps[i];
      if (s?.skip !== undefined) enter(set, i + s.skip);
      else if (!s?.star) return;
    }
  };
  enter(current, 0);
  for (const c of text) {
    next.fill(0);
    let any = false;
    for (let i = 0; i < end; i++) {
      const s = steps[i]!;
      if (current[i] === 0 || !accepts(s.accepts, c)) continue;
      enter(next, s.star ? i : i + 1);
      any = true;
    }
    if (!any) return false;
    [current, next] = [next, current];
  }
  return current[end] === 1;
}
