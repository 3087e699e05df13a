import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one Powertools Tracer (X-Ray), for the functions whose time goes to the Kubernetes API and Redis
 * (dedup, the sweep): their outgoing HTTPS calls become subsegments. Ingest is not traced by code: its
 * bundle and cold start stay small, and Lambda's active tracing shows its hand-off. Off outside Lambda.
 */
export const tracer = new Tracer({ serviceName: 'stormgate' });
