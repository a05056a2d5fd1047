import net from 'node:net';

export interface FakePgcatAdmin {
  /** Simple queries received, in order (`RELOAD`, …). */
  queries: string[];
  close(): Promise<void>;
}

/**
 * Just enough of PgCat's admin console (the PostgreSQL wire protocol, no password, simple
 * queries) to see whether `tansu pgcat-config` sends RELOAD: PgCat itself is not installable here.
 */
export async function startFakePgcatAdmin(port: number): Promise<FakePgcatAdmin> {
  const queries: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 4 || buffer.length < buffer.readInt32BE(0)) return;
          buffer = buffer.subarray(buffer.readInt32BE(0));
          started = true;
          socket.write(Buffer.concat([message('R', int32(0)), message('Z', Buffer.from('I'))]));
          continue;
        }
        if (buffer.length < 5 || buffer.length < 1 + buffer.readInt32BE(1)) return;
        const type = String.fromCharCode(buffer[0]!);
        const body = buffer.subarray(5, 1 + buffer.readInt32BE(1));
        buffer = buffer.subarray(1 + buffer.readInt32BE(1));
        if (type === 'X') return void socket.end();
        if (type === 'Q') {
          const query = body.subarray(0, body.length - 1).toString().trim().replace(/;$/, '');
          queries.push(query);
          socket.write(Buffer.concat([message('C', Buffer.from(`${query}\0`)), message('Z', Buffer.from('I'))]));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    queries,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}
