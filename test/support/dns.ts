import dns2 from 'dns2';

const { Packet } = dns2;

/**
 * A DNS server of the test's own on 127.0.0.1 (UDP, a port the OS picks), answering TXT questions
 * from a table the test fills: DNS_RESOLVER=<server> points the platform's custom-domain checks at
 * it. A name with no record gets NXDOMAIN, as from a real zone.
 */
export interface TestDns {
  /** `127.0.0.1:<port>`, what DNS_RESOLVER takes. */
  server: string;
  setTxt(name: string, values: string[]): void;
  close(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const records = new Map<string, string[]>();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const values = question ? records.get(question.name.toLowerCase()) : undefined;
      if (!question || values === undefined) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
      } else if (question.type === Packet.TYPE.TXT) {
        // A plain record object is what the encoder reads; the typings ask for a built Resource.
        for (const value of values) response.answers.push({ name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data: value } as unknown as (typeof response.answers)[number]);
      }
      send(response);
    },
  });
  const listening = new Promise<void>((resolve) => server.once('listening', () => resolve()));
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  await listening;
  const { port } = server.addresses().udp as { port: number };
  return {
    server: `127.0.0.1:${port}`,
    setTxt: (name, values) => records.set(name.toLowerCase(), values),
    close: () => server.close(),
  };
}
