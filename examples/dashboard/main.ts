// Runs the dashboard: `npm run dashboard` (scripts/dashboard.sh starts a private containerd for it),
// or `node build/examples/dashboard/main.js` against $CONTAINERD_ADDRESS. PORT (default 8080), HOST.
import { startDashboard } from "./server.js";

const { app, url } = await startDashboard({
  ...(process.env["PORT"] ? { port: Number(process.env["PORT"]) } : {}),
  ...(process.env["HOST"] ? { host: process.env["HOST"] } : {}),
});
app.enableShutdownHooks(); // Ctrl-C: running jobs are killed and removed, then the client closes
console.log(`dashboard: ${url}  (containerd ${process.env["CONTAINERD_ADDRESS"] ?? "default socket"})`);
