// Writes infra/member-account.yml from infra/member-account.ts: `npm run member-template`.
import { writeFileSync } from 'node:fs';
import { renderMemberTemplate } from '../infra/member-account.js';

writeFileSync('infra/member-account.yml', renderMemberTemplate());
process.stdout.write('wrote infra/member-account.yml\n');
