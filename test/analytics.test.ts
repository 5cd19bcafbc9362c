import { describeAnalytics } from './analytics.cases.js';

describeAnalytics('SQLite', () => undefined);
