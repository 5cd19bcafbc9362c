import { dropPgSchema, pgSchemaUrl } from './helpers/db.js';
import { describeCrash } from './crash.cases.js';

describeCrash('PostgreSQL', () => {
  const url = pgSchemaUrl('crash');
  return { url, cleanup: () => dropPgSchema(url) };
});
