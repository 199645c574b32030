import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/** A relative link found in a Markdown file, with the line it is on. */
export interface MarkdownLink {
  file: string;
  line: number;
  target: string;
}

const FENCE = /^\s*(```|~~~)/;

/** The lines of a Markdown text outside fenced code blocks, with their 1-based line numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inFence = false;
  text.split('\n').forEach((line, i) => {
    if (FENCE.test(line)) {
      inFence = !inFence;
      return;
    }
    if (!inFence) out.push({ line: i + 1, text: line });
  });
  return out;
}

/** Inline links and images, `[text](target)` or `[text](target "title")`, outside code blocks and code spans. */
export function relativeLinks(file: string, text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { line, text: prose } of proseLines(text)) {
    // A code span may show link syntax without being a link; the text of a real link may be a code span.
    const withoutCode = prose.replace(/`[^`]*`/g, 'code');
    for (const match of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      links.push({ file, line, target });
    }
  }
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered -1, -2, … */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = (heading[1] ?? '')
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  return anchors;
}

/** Every problem with the relative links of `files` (paths relative to `root`): a missing file, or anchor. */
export function brokenLinks(root: string, files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const link of relativeLinks(file, text)) {
      const [path = '', anchor] = link.target.split('#');
      const target = path === '' ? file : normalize(join(dirname(file), decodeURI(path)));
      const where = `${file}:${link.line}: ${link.target}`;
      if (target.startsWith('..')) {
        problems.push(`${where} leaves the repository`);
        continue;
      }
      if (!existsSync(join(root, target))) {
        problems.push(`${where}: no such file ${target}`);
        continue;
      }
      if (
        anchor === undefined ||
        anchor === '' ||
        !target.endsWith('.md') ||
        statSync(join(root, target)).isDirectory()
      )
        continue;
      if (!headingAnchors(readFileSync(join(root, target), 'utf8')).has(anchor))
        problems.push(`${where}: no heading #${anchor} in ${target}`);
    }
  }
  return problems;
}

/** The Markdown files reachable from `start` by relative links, as paths relative to `root`. */
export function reachableMarkdown(root: string, start: string): Set<string> {
  const reached = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift() ?? '';
    for (const link of relativeLinks(file, readFileSync(join(root, file), 'utf8'))) {
      const path = link.target.split('#')[0] ?? '';
      if (!path.endsWith('.md')) continue;
      const target = normalize(join(dirname(file), decodeURI(path)));
      if (reached.has(target) || !existsSync(join(root, target))) continue;
      reached.add(target);
      queue.push(target);
    }
  }
  return reached;
}
