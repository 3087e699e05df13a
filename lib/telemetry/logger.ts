import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured JSON logger. Correlation keys (fingerprint, groupKey, requestId) go in as fields.
 * Its level comes from LOG_LEVEL when a function starts (lib/runtime), so importing it reads no config.
 */
export const logger = new Logger({ serviceName: 'stormgate' });
