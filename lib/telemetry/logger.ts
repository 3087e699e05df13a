import { Logger } from '@aws-lambda-powertools/logger';
import { getConfig } from '../config/index.js';

/** The one structured JSON logger. Correlation keys (fingerprint, groupKey, requestId) go in as fields. */
export const logger = new Logger({
  serviceName: 'stormgate',
  logLevel: getConfig().logLevel,
});
