import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Secrets Manager's GetSecretValue over its JSON protocol, for the real AWS SDK to call locally (LocalStack
 * cannot run on these machines). Unknown secrets answer ResourceNotFoundException like the service.
 */
export class SecretsManagerStandin {
  private constructor(
    private readonly server: Server,
    readonly secrets: Map<string, string>,
    /** GetSecretValue calls answered, per secret id. */
    readonly reads: Map<string, number>,
  ) {}

  static async start(secrets: Record<string, string>): Promise<SecretsManagerStandin> {
    const store = new Map(Object.entries(secrets));
    const reads = new Map<string, number>();
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const target = request.headers['x-amz-target'];
        const { SecretId } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { SecretId?: string };
        const value = SecretId === undefined ? undefined : store.get(SecretId);
        if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
          response.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
          return;
        }
        reads.set(SecretId as string, (reads.get(SecretId as string) ?? 0) + 1);
        response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}`, Name: SecretId, SecretString: value, VersionId: 'v1' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new SecretsManagerStandin(server, store, reads);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
