/**
 * The conformance server as a workerd module worker. The environment comes as text bindings
 * (config.capnp, written by ../support/runtimes.ts); the gate is built on the first request,
 * since a Worker's bindings arrive with it and random values or timers are refused at start-up.
 * `AUDIENCE` is required: a Worker does not know its own public origin, and the `Host` of a
 * request is the client's to choose, so it must never become the resource identifier.
 */
import { buildGate, conformanceConfig, createApp, type Env, type Handler } from './app.js';

let handler: Handler | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    if (handler === undefined) {
      const config = conformanceConfig(env);
      if (config.audience === undefined) throw new Error('AUDIENCE is required on workerd');
      handler = createApp(env.APP, buildGate(config, config.audience));
    }
    return handler(request);
  },
};
