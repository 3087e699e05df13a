import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

// EKS accepts a token for 15 minutes after it was signed; mint a new one well before.
const tokenLifetimeMs = 15 * 60 * 1000;
const refreshAfterMs = 10 * 60 * 1000;

const rfc3986 = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

export interface EksTokenOptions {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly now?: () => Date;
}

/**
 * A bearer token for an EKS cluster, minted in-process from the function's IAM credentials, as
 * `aws eks get-token` does: a presigned STS GetCallerIdentity URL whose signature covers the
 * `x-k8s-aws-id: <cluster name>` header, base64url-encoded behind `k8s-aws-v1.`. Cached and refreshed
 * after 10 of its 15 minutes; concurrent callers share one minting.
 */
export class EksTokenSource {
  private cached: { token: Promise<string>; mintedAt: number } | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: EksTokenOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async token(): Promise<string> {
    const now = this.now();
    if (!this.cached || now.getTime() - this.cached.mintedAt >= refreshAfterMs) {
      const minting = this.mint(now);
      this.cached = { token: minting, mintedAt: now.getTime() };
      minting.catch(() => {
        this.cached = undefined;
      });
    }
    return this.cached.token;
  }

  /** When the token handed out now stops being accepted. */
  expiresAt(): Date | undefined {
    return this.cached ? new Date(this.cached.mintedAt + tokenLifetimeMs) : undefined;
  }

  private async mint(signingDate: Date): Promise<string> {
    const hostname = `sts.${this.options.region}.amazonaws.com`;
    const signer = new SignatureV4({ credentials: this.options.credentials, region: this.options.region, service: 'sts', sha256: Hash.bind(null, 'sha256') });
    const presigned = await signer.presign(
      new HttpRequest({
        method: 'GET',
        protocol: 'https:',
        hostname,
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: hostname, 'x-k8s-aws-id': this.options.clusterName },
      }),
      { expiresIn: 60, signingDate },
    );
    const query = Object.entries(presigned.query ?? {})
      .map(([name, value]) => `${rfc3986(name)}=${rfc3986(String(value))}`)
      .join('&');
    return `k8s-aws-v1.${Buffer.from(`https://${hostname}/?${query}`).toString('base64url')}`;
  }
}
