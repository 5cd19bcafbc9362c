import { describeTracking } from './tracking.cases.js';

describeTracking('SQLite', () => undefined);
