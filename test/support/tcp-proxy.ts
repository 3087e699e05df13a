import { createServer, type Server, type Socket, connect } from 'node:net';

interface Link {
  readonly client: Socket;
  readonly server: Socket;
  /** Set when the next reply on this link is to be swallowed and the link cut. */
  cutOnReply?: () => void;
}

/**
 * A TCP proxy in front of a server (Redis), for faults a real network has: latency on every chunk each
 * way, a connection cut after a request reached the server but before its reply came back (the command
 * ran; the client never heard), and a switch to another server (a restart that lost everything).
 */
export class TcpProxy {
  /** Added before each chunk is passed on, either way. */
  latencyMs = 0;
  private readonly links = new Set<Link>();
  /** How many request chunks matched each counter since it was set up (see `countRequests`). */
  private readonly counters: { readonly matches: (request: Buffer) => boolean; count: number }[] = [];
  private cutRule: { readonly matches: (request: Buffer) => boolean; readonly done: () => void } | undefined;

  private constructor(
    private readonly server: Server,
    private targetPort: number,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    const proxy = new TcpProxy(server, targetPort, address.port);
    server.on('connection', (client: Socket) => proxy.accept(client));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Cuts the first link whose request matches, once the server's reply to it arrives: the reply is dropped
   * and both sides closed. Resolves when that happened.
   */
  cutAfterReplyTo(matches: (request: Buffer) => boolean): Promise<void> {
    return new Promise((resolve) => (this.cutRule = { matches, done: resolve }));
  }

  /** Counts the request chunks that match from now on; read the count with the returned function. */
  countRequests(matches: (request: Buffer) => boolean): () => number {
    const counter = { matches, count: 0 };
    this.counters.push(counter);
    return () => counter.count;
  }

  /** From now on connects to another server, and drops every open connection (the old server is gone); returns the previous port. */
  retarget(targetPort: number): number {
    const previous = this.targetPort;
    this.targetPort = targetPort;
    for (const link of this.links) this.close(link);
    return previous;
  }

  async stop(): Promise<void> {
    for (const link of this.links) this.close(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const server = connect(this.targetPort, '127.0.0.1');
    const link: Link = { client, server };
    this.links.add(link);
    const pass = (from: Socket, to: Socket, isRequest: boolean) => {
      // Chunks leave in the order they came, whatever the latency was when each arrived.
      let lastDeliveryAt = 0;
      let pending = 0;
      from.on('data', (chunk: Buffer) => {
        if (isRequest) for (const counter of this.counters) if (counter.matches(chunk)) counter.count += 1;
        if (isRequest && this.cutRule?.matches(chunk)) {
          link.cutOnReply = this.cutRule.done;
          this.cutRule = undefined;
        }
        if (!isRequest && link.cutOnReply) {
          const done = link.cutOnReply;
          this.close(link);
          done();
          return;
        }
        const now = Date.now();
        lastDeliveryAt = Math.max(now + this.latencyMs, lastDeliveryAt);
        if (lastDeliveryAt <= now && pending === 0) {
          to.write(chunk);
          return;
        }
        pending += 1;
        setTimeout(() => {
          pending -= 1;
          if (!to.destroyed) to.write(chunk);
        }, lastDeliveryAt - now);
      });
    };
    pass(client, server, true);
    pass(server, client, false);
    for (const socket of [client, server]) {
      socket.on('error', () => this.close(link));
      socket.on('close', () => this.close(link));
    }
  }

  private close(link: Link): void {
    this.links.delete(link);
    link.client.destroy();
    link.server.destroy();
  }
}
