/**
 * The Latchkey demo app. `npm start` serves it on http://localhost:3000 (PORT to change).
 *
 * This first version only proves the toolchain; the full demo (sign-in with every configured
 * provider against the built-in development identity provider) arrives with the demo issue.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Latchkey demo</title></head>
<body><main><h1>Latchkey</h1><p>The demo is being built. Run <code>npm test</code> to see what works today.</p></main></body></html>`;

createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page);
}).listen(port, () => {
  process.stdout.write(`Latchkey demo on http://localhost:${port}\n`);
});
