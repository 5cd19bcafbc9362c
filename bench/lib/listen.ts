/** The child side of spawnWithPort: listen on a free local port and print {"port":N} once listening. */
import type { Server } from 'node:http';

export function listenAndAnnounce(server: Server): void {
  server.keepAliveTimeout = 30000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
  });
}
