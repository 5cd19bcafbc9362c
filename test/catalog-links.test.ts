import { describeCatalogLinks } from './catalog-links.cases.js';

describeCatalogLinks('SQLite', () => undefined);
