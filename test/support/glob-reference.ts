/**
 * The regex glob matchers the guard used before its linear-time matcher (functions/core/glob.ts): the reference the
 * fuzz test compares against, and what bench/glob shows backtracking.
 */
const escapeRegex = (c: string): string => c.replace(/[\\^$.|+()[\]{}*?]/g, '\\$&');

/** The former compileGlob: `*` any run, `?` one character, case-insensitive. */
export function referenceGlob(pattern: string): (text: string) => boolean {
  const source = [...pattern].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : escapeRegex(c))).join('');
  const re = new RegExp(`^${source}$`, 'iu');
  return (text) => re.test(text);
}

/** The former compileArnGlob: `*`/`?` within a `:` field and `/` segment, `**` across segments, `**\/` also none. */
export function referenceArnGlob(pattern: string): (text: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*' && pattern[i + 2] === '/') {
      source += '(?:[^:]*/)?';
      i += 2;
    } else if (c === '*' && pattern[i + 1] === '*') {
      source += '[^:]*';
      i++;
    } else if (c === '*') source += '[^:/]*';
    else if (c === '?') source += '[^:/]';
    else source += escapeRegex(c);
  }
  const re = new RegExp(`^${source}$`, 'u');
  return (text) => re.test(text);
}
