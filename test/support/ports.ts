import net from 'node:net';

/** A port on 127.0.0.1 that nothing listens on right now (the OS picks it), other than `taken`. */
export async function freePort(taken: readonly number[] = []): Promise<number> {
  for (;;) {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    if (!taken.includes(port)) return port;
  }
}
