import { pgSchemaUrl } from './helpers/db.js';
import { describeAnalytics } from './analytics.cases.js';

describeAnalytics('PostgreSQL', () => pgSchemaUrl('ana'));
