// The floor: the least any reader of a CloudTrail archive must do — gunzip every file and JSON.parse it — done the
// fastest simple way (whole file, one synchronous inflate: no stream, no threadpool round trips) and nothing else.
// Files are found the way `evaluate` finds them (recursively, in name order). Prints one JSON line of counts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

function* walk(dir) {
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.json.gz')) yield path;
  }
}

let files = 0;
let records = 0;
let bytes = 0;
for (const path of walk(process.argv[2])) {
  const text = gunzipSync(readFileSync(path));
  bytes += text.length;
  records += JSON.parse(text.toString('utf8')).Records.length;
  files++;
}
process.stdout.write(`${JSON.stringify({ files, records, bytes })}\n`);
