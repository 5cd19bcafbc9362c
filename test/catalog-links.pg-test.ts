import { pgSchemaUrl } from './helpers/db.js';
import { describeCatalogLinks } from './catalog-links.cases.js';

describeCatalogLinks('PostgreSQL', () => pgSchemaUrl('links'));
