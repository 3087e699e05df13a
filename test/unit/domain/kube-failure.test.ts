import { describe, expect, it } from '@jest/globals';
import { classifyKubeFailure } from '../../../lib/domain/kube-failure.js';

describe('classifyKubeFailure', () => {
  it.each([
    [{ status: 429, message: 'slow down', operation: 'create' }, true],
    [{ status: 500, message: 'boom', operation: 'patch' }, true],
    [{ status: 503, message: 'unavailable', operation: 'list' }, true],
    [{ status: 409, message: 'conflict', operation: 'patch' }, true],
    [{ code: 'ECONNRESET', message: 'socket hang up', operation: 'create' }, true],
    [{ message: 'The operation was aborted due to timeout', operation: 'create' }, true],
    [{ status: 400, message: 'bad', operation: 'create' }, false],
    [{ status: 422, message: 'invalid', operation: 'create' }, false],
  ] as const)('%j → retryable %s', (failure, retryable) => {
    expect(classifyKubeFailure(failure).retryable).toBe(retryable);
  });

  it.each([
    [{ status: 401, message: 'Unauthorized', operation: 'create' }, 'credentials'],
    [{ status: 403, message: 'Forbidden', operation: 'patch' }, 'rbac.yaml'],
    [{ status: 404, message: 'the server could not find the requested resource', operation: 'create' }, 'CRD'],
    [{ status: 404, message: 'not found', operation: 'list' }, 'CRD'],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate', operation: 'create' }, 'certificate-authority-data'],
    [{ message: 'request to https://x failed, reason: unable to verify the first certificate', operation: 'list' }, 'KUBE_CA_DATA'],
    [{ message: 'HTTP protocol is not allowed when skipTLSVerify is not set or false', operation: 'create' }, 'KUBE_API_URL'],
  ] as const)('%j is a configuration error naming its fix (%s)', (failure, fix) => {
    const verdict = classifyKubeFailure(failure);
    expect(verdict.retryable).toBe(false);
    expect(verdict.fix).toContain(fix);
  });

  it('leaves a 404 on a read or a patch to the caller (the request itself is missing, not the CRD)', () => {
    expect(classifyKubeFailure({ status: 404, message: 'not found', operation: 'read' })).toEqual({ retryable: false });
  });

  it('names the missing CRD only for a 404 on create or list; a 404 on read or patch is a missing object', () => {
    expect(classifyKubeFailure({ status: 404, message: 'not found', operation: 'list' })).toMatchObject({ retryable: false, fix: expect.stringContaining('CRD') as unknown });
    expect(classifyKubeFailure({ status: 404, message: 'not found', operation: 'patch' })).toStrictEqual({ retryable: false });
    expect(classifyKubeFailure({ status: 404, message: 'not found', operation: 'read' })).toStrictEqual({ retryable: false });
    // Any other refusal of a create names no fix: it is not a missing CRD.
    expect(classifyKubeFailure({ status: 422, message: 'invalid', operation: 'create' })).toStrictEqual({ retryable: false });
  });

  it("calls an untrusted certificate terminal by its code alone, whatever the message says", () => {
    expect(classifyKubeFailure({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first signature', operation: 'create' })).toMatchObject({ retryable: false, fix: expect.stringContaining('TLS') as unknown });
    expect(classifyKubeFailure({ code: 'ECONNRESET', message: 'socket hang up', operation: 'create' })).toStrictEqual({ retryable: true });
  });
});
