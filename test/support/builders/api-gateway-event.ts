import type { APIGatewayProxyEvent } from 'aws-lambda';

/** A REST proxy event as API Gateway builds it, for middleware tests. */
export function proxyEvent(overrides: { headers?: Record<string, string>; body?: string | null; isBase64Encoded?: boolean } = {}): APIGatewayProxyEvent {
  return {
    resource: '/v1/alerts/alertmanager',
    path: '/v1/alerts/alertmanager',
    httpMethod: 'POST',
    headers: overrides.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: overrides.body ?? null,
    isBase64Encoded: overrides.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000', apiId: 'test', authorizer: null, protocol: 'HTTP/1.1', httpMethod: 'POST',
      identity: {
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '127.0.0.1', user: null, userAgent: null, userArn: null,
      },
      path: '/v1/alerts/alertmanager', stage: 'test', requestId: 'req-1', requestTimeEpoch: 1_763_720_000_000,
      resourceId: 'test', resourcePath: '/v1/alerts/alertmanager',
    },
  };
}

/** The slice of a middy request that middlewares touch. */
export function middyRequest<E>(event: E) {
  return { event, context: {} as never, response: undefined, error: undefined, internal: {} };
}
