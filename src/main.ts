import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config/load-config.js';

/** Server entry: config → app → listen; SIGINT/SIGTERM → graceful close. The only code that calls listen. */
export async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await buildApp(config);
  const address = await app.http.listen({ port: config.port, host: config.host });
  app.logger.info({ address, database: config.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres' }, 'BBRE listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    app.drain();
    // Contract §9.4: in-flight work gets up to the grace period; the kill timer is unref'd, never keeps us alive.
    const killer = setTimeout(() => {
      app.logger.error({}, 'graceful shutdown timed out');
      process.exit(1);
    }, config.shutdownGraceMs + 5000);
    killer.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
