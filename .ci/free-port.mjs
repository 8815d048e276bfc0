// Prints the first port from argv[2] (default 4173) that nothing listens on, on IPv4 or IPv6
// (`vite preview` binds "localhost", which may be either).
import net from 'node:net';

const canListen = (port, host) =>
  new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve(err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT'));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

let port = Number(process.argv[2] ?? 4173);
while (!((await canListen(port, '127.0.0.1')) && (await canListen(port, '::1')))) port++;
console.log(port);
